package io.spaceduck.api;

/**
 * Id of a duckling (a person or organisation; operators are ducklings): `dk_` followed by lowercase base32. Ids are random and carry no meaning.
 *
 * @param value the full id including its prefix
 */
public record DucklingId(String value) implements IdentityId {
  /** The prefix every value of this id type starts with. */
  public static final String PREFIX = "dk_";

  /**
   * @throws IllegalArgumentException if {@code value} is not a well-formed id of this type
   */
  public DucklingId {
    Ids.check(value, PREFIX, "DucklingId");
  }

  /** Whether {@code value} is a well-formed id of this type (never throws, even on null). */
  public static boolean isValid(@org.jspecify.annotations.Nullable String value) {
    return value != null && Ids.valid(value, PREFIX);
  }

  @Override
  public IdentityKind kind() {
    return IdentityKind.DUCKLING;
  }

  @Override
  public String toString() {
    return value;
  }
}
