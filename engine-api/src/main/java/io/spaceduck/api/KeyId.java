package io.spaceduck.api;

import java.util.regex.Pattern;

/**
 * The public, non-secret id of a Beak Key: 16 lowercase base32 characters, visible inside the raw key
 * ({@code bk_<keyid>_<secret>}) so that authentication is one keyed lookup, never a scan (K1).
 *
 * @param value the 16-character id
 */
public record KeyId(String value) {
  private static final Pattern FORM = Pattern.compile("[a-z2-7]{16}");

  /**
   * @throws IllegalArgumentException if {@code value} is not 16 lowercase base32 characters
   */
  public KeyId {
    java.util.Objects.requireNonNull(value, "KeyId");
    if (!FORM.matcher(value).matches()) {
      throw new IllegalArgumentException("malformed KeyId");
    }
  }

  /** Whether {@code value} is a well-formed key id (never throws, even on null). */
  public static boolean isValid(@org.jspecify.annotations.Nullable String value) {
    return value != null && FORM.matcher(value).matches();
  }

  @Override
  public String toString() {
    return value;
  }
}
