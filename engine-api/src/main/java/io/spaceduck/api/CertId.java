package io.spaceduck.api;

/**
 * Id of a birth certificate (URL-safe, unique): `ct_` followed by lowercase base32. Ids are random and carry no meaning.
 *
 * @param value the full id including its prefix
 */
public record CertId(String value) {
  /** The prefix every value of this id type starts with. */
  public static final String PREFIX = "ct_";

  /**
   * @throws IllegalArgumentException if {@code value} is not a well-formed id of this type
   */
  public CertId {
    Ids.check(value, PREFIX, "CertId");
  }

  /** Whether {@code value} is a well-formed id of this type (never throws, even on null). */
  public static boolean isValid(@org.jspecify.annotations.Nullable String value) {
    return value != null && Ids.valid(value, PREFIX);
  }

  @Override
  public String toString() {
    return value;
  }
}
