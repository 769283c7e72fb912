package io.spaceduck.api;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An immutable 32-byte SHA-256 value, as used by the audit chain. Not secret: {@code equals} is a
 * plain comparison and {@code toString} prints lowercase hex.
 */
public final class Hash {
  /** Length in bytes. */
  public static final int LENGTH = 32;

  /** The all-zero hash: the {@code prev_hash} of the first audit event. */
  public static final Hash ZERO = new Hash(new byte[LENGTH]);

  private static final HexFormat HEX = HexFormat.of();
  private final byte[] bytes;

  private Hash(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Copies {@code bytes}.
   *
   * @throws IllegalArgumentException if not exactly 32 bytes
   */
  public static Hash of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("a hash is 32 bytes");
    }
    return new Hash(bytes.clone());
  }

  /** Takes {@code owned} without a copy: for a fresh digest nobody else holds (package-private). */
  static Hash wrap(byte[] owned) {
    if (owned.length != LENGTH) {
      throw new IllegalArgumentException("a hash is 32 bytes");
    }
    return new Hash(owned);
  }

  /**
   * Parses 64 hex characters.
   *
   * @throws IllegalArgumentException if malformed
   */
  public static Hash fromHex(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("a hash is 64 hex characters");
    }
    return new Hash(HEX.parseHex(hex));
  }

  /** A copy of the bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /**
   * Copies the 32 bytes into {@code dst} from {@code offset} on: for encoders that build a buffer of
   * their own, without the throw-away array {@link #toByteArray()} would allocate.
   *
   * @throws IndexOutOfBoundsException if {@code dst} has fewer than 32 bytes from {@code offset}
   */
  public void copyTo(byte[] dst, int offset) {
    Objects.requireNonNull(dst, "dst");
    System.arraycopy(bytes, 0, dst, offset, LENGTH);
  }

  /**
   * Whether {@code other} holds exactly these 32 bytes: {@link #equals} against a raw digest without
   * wrapping (and so copying) it first. A plain comparison, not constant-time: a hash is not secret.
   */
  public boolean contentEquals(byte[] other) {
    return Arrays.equals(bytes, Objects.requireNonNull(other, "other"));
  }

  /** Writes the 32 bytes into {@code digest} without copying. */
  public void updateDigest(MessageDigest digest) {
    digest.update(bytes);
  }

  /** Lowercase hex, 64 characters. */
  public String hex() {
    return HEX.formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hash h && Arrays.equals(bytes, h.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
