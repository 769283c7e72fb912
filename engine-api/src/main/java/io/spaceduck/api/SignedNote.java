package io.spaceduck.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A C2SP {@code signed-note}: a text ending in a newline, a blank line, and signature lines
 *
 * <pre>
 * — &lt;key name&gt; base64(32-bit key ID || signature)
 * </pre>
 *
 * <p>(em dash U+2014, space, name, space, standard base64, newline). This type is the text format
 * only; it checks no signature — {@code io.spaceduck.core.OfflineAuditVerifier} does. The text may
 * hold blank lines: it ends at the <em>last</em> blank line.
 */
public record SignedNote(String text, List<Signature> signatures) {
  /** The longest note accepted by {@link #parse}. */
  public static final int MAX_LENGTH = 64 * 1024;
  /** The most signature lines accepted (the spec asks for at least 16). */
  public static final int MAX_SIGNATURES = 100;
  private static final String DASH = "\u2014 ";

  /** One signature line: key name, key ID and the signature bytes after the ID. */
  public record Signature(String name, int keyId, byte[] signature) {
    public Signature {
      checkName(name);
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    /** The line, with its final newline. */
    public String line() {
      byte[] b = ByteBuffer.allocate(4 + signature.length).putInt(keyId).put(signature).array();
      return DASH + name + " " + Base64.getEncoder().encodeToString(b) + "\n";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Signature s && s.name.equals(name) && s.keyId == keyId && Arrays.equals(s.signature, signature);
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + keyId;
    }

    @Override
    public String toString() {
      return line().strip();
    }
  }

  public SignedNote {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty() || !text.endsWith("\n")) {
      throw new IllegalArgumentException("a note's text ends in a newline");
    }
    checkChars(text);
    signatures = List.copyOf(signatures);
  }

  /** A key name: not empty, no Unicode space, no {@code '+'} (signed-note, "Format"). */
  public static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a key name is not empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '+' || Character.isWhitespace(c) || Character.isSpaceChar(c) || c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("a key name holds no space, '+' or control character");
      }
    }
    checkChars(name);
  }

  private static void checkChars(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw new IllegalArgumentException("a note holds no control character but newline");
      }
    }
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(s)) {
      throw new IllegalArgumentException("a note is well-formed UTF-8");
    }
  }

  /** The same text with {@code more} signatures appended. */
  public SignedNote with(Signature more) {
    List<Signature> all = new ArrayList<>(signatures);
    all.add(more);
    return new SignedNote(text, all);
  }

  /** The note as exchanged: text, blank line, one line per signature. */
  public String format() {
    StringBuilder b = new StringBuilder(text).append('\n');
    for (Signature s : signatures) {
      b.append(s.line());
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return format();
  }

  /**
   * Parses a signed note.
   *
   * @throws IllegalArgumentException if it is not a well-formed signed note with at least one
   *     signature line
   */
  public static SignedNote parse(String note) {
    Objects.requireNonNull(note, "note");
    if (note.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("a note is at most " + MAX_LENGTH + " characters");
    }
    checkChars(note);
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      throw new IllegalArgumentException("a signed note has a blank line before its signatures");
    }
    String text = note.substring(0, split + 1);
    String sigs = note.substring(split + 2);
    if (sigs.isEmpty() || !sigs.endsWith("\n")) {
      throw new IllegalArgumentException("a signed note ends with signature lines, each ending in a newline");
    }
    List<Signature> out = new ArrayList<>();
    for (String line : sigs.substring(0, sigs.length() - 1).split("\n", -1)) {
      if (out.size() == MAX_SIGNATURES) {
        throw new IllegalArgumentException("more than " + MAX_SIGNATURES + " signatures");
      }
      if (!line.startsWith(DASH)) {
        throw new IllegalArgumentException("a signature line starts with an em dash and a space");
      }
      String rest = line.substring(DASH.length());
      int space = rest.indexOf(' ');
      if (space < 1 || rest.indexOf(' ', space + 1) >= 0) {
        throw new IllegalArgumentException("a signature line is '— <name> <base64>'");
      }
      byte[] raw;
      String b64 = rest.substring(space + 1);
      try {
        raw = Base64.getDecoder().decode(b64);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("a signature is not standard base64");
      }
      if (!Base64.getEncoder().encodeToString(raw).equals(b64)) {
        throw new IllegalArgumentException("a signature is not canonical base64 (padded, no stray bits)");
      }
      if (raw.length < 5) {
        throw new IllegalArgumentException("a signature has a key ID and at least one byte");
      }
      ByteBuffer b = ByteBuffer.wrap(raw);
      int keyId = b.getInt();
      byte[] sig = new byte[raw.length - 4];
      b.get(sig);
      out.add(new Signature(rest.substring(0, space), keyId, sig));
    }
    return new SignedNote(text, out);
  }
}
