package io.spaceduck.storage;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * An immutable byte string (ciphertexts, MAC tags). {@code toString} prints only the length: these
 * bytes are not secret in the sense of I8 (they are hashes or ciphertexts), but they are never worth
 * printing either.
 */
public final class Bytes {
  public static final Bytes EMPTY = new Bytes(new byte[0]);
  private final byte[] bytes;

  private Bytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Copies {@code bytes}. */
  public static Bytes of(byte[] bytes) {
    return new Bytes(Objects.requireNonNull(bytes, "bytes").clone());
  }

  /** Takes ownership of {@code bytes}; the caller must not modify them afterwards. */
  public static Bytes wrap(byte[] bytes) {
    return new Bytes(Objects.requireNonNull(bytes, "bytes"));
  }

  public byte[] toByteArray() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  /** Base64url without padding. */
  public String base64() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "Bytes[" + bytes.length + "]";
  }
}
