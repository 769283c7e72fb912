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
