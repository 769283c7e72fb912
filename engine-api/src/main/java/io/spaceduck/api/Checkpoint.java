package io.spaceduck.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A C2SP {@code tlog-checkpoint} body: the log's origin, its size and the root of the audit tree
 * ({@link AuditTree}) at that size, then optional extension lines — each line ending in a newline:
 *
 * <pre>
 * spaceduck.example/audit/3f2a…     origin: identifies the log (no newline, not empty)
 * 1042                              tree size, ASCII decimal, no leading zeros
 * 5Hx3…=                            root hash, standard base64 (RFC 4648 §4) of 32 bytes
 * </pre>
 *
 * <p>A checkpoint means something only inside a {@link SignedNote} signed by a key you trust.
 */
public record Checkpoint(String origin, long size, Hash root, List<String> extensions) {
  public Checkpoint {
    checkLine(origin, "origin");
    if (size < 0) {
      throw new IllegalArgumentException("size is not negative");
    }
    Objects.requireNonNull(root, "root");
    extensions = List.copyOf(extensions);
    for (String e : extensions) {
      checkLine(e, "extension line");
    }
  }

  public Checkpoint(String origin, long size, Hash root) {
    this(origin, size, root, List.of());
  }

  private static void checkLine(String line, String what) {
    Objects.requireNonNull(line, what);
    if (line.isEmpty()) {
      throw new IllegalArgumentException("an empty " + what);
    }
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) < 0x20 || line.charAt(i) == 0x7f) {
        throw new IllegalArgumentException("a control character in the " + what);
      }
    }
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(line)) {
      throw new IllegalArgumentException("the " + what + " is not well-formed Unicode");
    }
  }

  /** The body as signed: every line, each ending in {@code '\n'}. */
  public String body() {
    StringBuilder b = new StringBuilder();
    b.append(origin).append('\n').append(size).append('\n');
    b.append(Base64.getEncoder().encodeToString(root.toByteArray())).append('\n');
    for (String e : extensions) {
      b.append(e).append('\n');
    }
    return b.toString();
  }

  /**
   * Parses a checkpoint body (a signed note's text).
   *
   * @throws IllegalArgumentException if it is not exactly a checkpoint
   */
  public static Checkpoint parse(String body) {
    Objects.requireNonNull(body, "body");
    if (!body.endsWith("\n")) {
      throw new IllegalArgumentException("a checkpoint ends in a newline");
    }
    String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
    if (lines.length < 3) {
      throw new IllegalArgumentException("a checkpoint has an origin, a size and a root hash line");
    }
    String size = lines[1];
    if (size.isEmpty() || size.length() > 19 || !size.chars().allMatch(c -> c >= '0' && c <= '9')
        || (size.length() > 1 && size.charAt(0) == '0')) {
      throw new IllegalArgumentException("the size line is not a decimal without leading zeros");
    }
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the root hash line is not base64");
    }
    if (root.length != Hash.LENGTH || !Base64.getEncoder().encodeToString(root).equals(lines[2])) {
      throw new IllegalArgumentException("the root hash line is not the base64 of 32 bytes");
    }
    List<String> ext = new ArrayList<>();
    for (int i = 3; i < lines.length; i++) {
      ext.add(lines[i]);
    }
    long n;
    try {
      n = Long.parseLong(size);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the size line is above 2^63 - 1");
    }
    return new Checkpoint(lines[0], n, Hash.of(root), ext);
  }
}
