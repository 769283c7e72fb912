package io.spaceduck.core.internal;

import com.google.crypto.tink.subtle.Ed25519Verify;
import io.spaceduck.api.SignedNote;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The C2SP {@code signed-note} Ed25519 rules and the {@code tlog-cosignature} v1 message: key IDs,
 * verifier keys ({@code vkey}), signature checks. Every byte as the specs define it:
 *
 * <pre>
 * key ID      = SHA-256(name || 0x0A || type || 32-byte Ed25519 public key)[:4]     (big-endian u32)
 * vkey        = name "+" 8 lowercase hex of the key ID "+" base64(type || public key)
 * type 0x01   Ed25519 note signature over the note text
 * type 0x04   tlog-cosignature/v1: signature = u64 timestamp || Ed25519 over
 *             "cosignature/v1\n" "time " decimal(timestamp) "\n" checkpoint body
 * </pre>
 *
 * Stateless and thread-safe.
 */
public final class NoteCrypto {
  /** signed-note signature type: Ed25519 over the note text. */
  public static final byte ED25519 = 0x01;
  /** signed-note signature type: timestamped Ed25519 cosignature (tlog-cosignature). */
  public static final byte COSIGNATURE_V1 = 0x04;
  private static final HexFormat HEX = HexFormat.of();

  private NoteCrypto() {}

  /** A parsed verifier key: name, key ID, signature type and the 32-byte Ed25519 public key. */
  public record VerifierKey(String name, int keyId, byte type, byte[] publicKey) {
    public VerifierKey {
      SignedNote.checkName(name);
      if (publicKey.length != 32) {
        throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
      }
      publicKey = publicKey.clone();
      if (keyId != NoteCrypto.keyId(name, type, publicKey)) {
        throw new IllegalArgumentException("the key ID does not match the name and key");
      }
    }

    @Override
    public byte[] publicKey() {
      return publicKey.clone();
    }

    /** The {@code vkey} text. */
    public String format() {
      byte[] typed = new byte[33];
      typed[0] = type;
      System.arraycopy(publicKey, 0, typed, 1, 32);
      return name + "+" + String.format("%08x", keyId) + "+" + Base64.getEncoder().encodeToString(typed);
    }

    /** Whether a signature line names this key (name and key ID both). */
    public boolean names(SignedNote.Signature s) {
      return s.name().equals(name) && s.keyId() == keyId;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof VerifierKey k && k.format().equals(format());
    }

    @Override
    public int hashCode() {
      return format().hashCode();
    }

    @Override
    public String toString() {
      return format();
    }
  }

  /** {@code SHA-256(name || 0x0A || type || publicKey)[:4]} as a big-endian u32. */
  public static int keyId(String name, byte type, byte[] publicKey) {
    MessageDigest d = sha256();
    d.update(name.getBytes(StandardCharsets.UTF_8));
    d.update((byte) 0x0A);
    d.update(type);
    d.update(publicKey);
    return ByteBuffer.wrap(d.digest()).getInt();
  }

  public static VerifierKey verifierKey(String name, byte type, byte[] publicKey) {
    return new VerifierKey(name, keyId(name, type, publicKey), type, publicKey);
  }

  /**
   * Parses a {@code vkey} of an Ed25519 ({@code 0x01}) or cosignature ({@code 0x04}) key.
   *
   * @throws IllegalArgumentException if malformed, of another type, or its key ID does not match
   */
  public static VerifierKey parseVerifierKey(String vkey) {
    Objects.requireNonNull(vkey, "vkey");
    String[] parts = vkey.strip().split("\\+", 3); // base64 may hold '+'; name and hex never do
    if (parts.length != 3 || !parts[1].matches("[0-9a-f]{8}")) {
      throw new IllegalArgumentException("a verifier key is <name>+<8 hex>+<base64>");
    }
    byte[] typed;
    try {
      typed = Base64.getDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the key of a verifier key is not base64");
    }
    if (typed.length != 33 || (typed[0] != ED25519 && typed[0] != COSIGNATURE_V1)) {
      throw new IllegalArgumentException("not an Ed25519 verifier key (type 0x01 or 0x04, 32 bytes)");
    }
    int id = Integer.parseUnsignedInt(parts[1], 16);
    return new VerifierKey(parts[0], id, typed[0], Arrays.copyOfRange(typed, 1, 33));
  }

  /** Whether {@code signature} (64 bytes) is the Ed25519 signature by {@code publicKey} of {@code message}. */
  public static boolean verifyEd25519(byte[] publicKey, byte[] message, byte[] signature) {
    if (signature.length != 64) {
      return false;
    }
    try {
      new Ed25519Verify(publicKey).verify(signature, message);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether {@code note} carries a valid signature by {@code key} (of type 0x01): at least one line
   * names the key and every line naming it verifies (signed-note: a failing known signature rejects
   * the note).
   */
  public static boolean verifyNote(SignedNote note, VerifierKey key) {
    if (key.type() != ED25519) {
      return false;
    }
    byte[] text = note.text().getBytes(StandardCharsets.UTF_8);
    boolean any = false;
    for (SignedNote.Signature s : note.signatures()) {
      if (key.names(s)) {
        if (!verifyEd25519(key.publicKey(), text, s.signature())) {
          return false;
        }
        any = true;
      }
    }
    return any;
  }

  /** The message a tlog-cosignature/v1 signs for {@code body} at {@code timestamp} (POSIX seconds). */
  public static byte[] cosignedMessage(String body, long timestamp) {
    return ("cosignature/v1\ntime " + Long.toString(timestamp) + "\n" + body).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The timestamp of a valid cosignature of {@code note} by {@code key} (of type 0x04), or -1 when
   * no line names the key or one that does fails.
   */
  public static long verifyCosignature(SignedNote note, VerifierKey key) {
    if (key.type() != COSIGNATURE_V1) {
      return -1;
    }
    long found = -1;
    for (SignedNote.Signature s : note.signatures()) {
      if (!key.names(s)) {
        continue;
      }
      byte[] raw = s.signature();
      if (raw.length != 72) {
        return -1;
      }
      long ts = ByteBuffer.wrap(raw).getLong();
      if (ts < 0 || !verifyEd25519(key.publicKey(), cosignedMessage(note.text(), ts), Arrays.copyOfRange(raw, 8, 72))) {
        return -1;
      }
      found = Math.max(found, ts);
    }
    return found;
  }

  static String hex(byte[] b) {
    return HEX.formatHex(b);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
