package io.spaceduck.api;

/**
 * The public, non-secret id of a Beak Key: 16 lowercase base32 characters, visible inside the raw key
 * ({@code bk_<keyid>_<secret>}) so that authentication is one keyed lookup, never a scan (K1).
 *
 * @param value the 16-character id
 */
public record KeyId(String value) {
  private static final int LENGTH = 16;

  /**
   * @throws IllegalArgumentException if {@code value} is not 16 lowercase base32 characters
   */
  public KeyId {
    java.util.Objects.requireNonNull(value, "KeyId");
    if (!isValid(value)) {
      throw new IllegalArgumentException("malformed KeyId");
    }
  }

  /** Whether {@code value} is a well-formed key id (never throws, even on null). */
  public static boolean isValid(@org.jspecify.annotations.Nullable String value) {
    return value != null && value.length() == LENGTH && Ids.isBase32(value, 0, LENGTH);
  }

  @Override
  public String toString() {
    return value;
  }
}
