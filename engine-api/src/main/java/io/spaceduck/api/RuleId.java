package io.spaceduck.api;

/**
 * Id of an operator's standing approval rule for a T3 agent (P4): `sr_` followed by lowercase base32. Ids are random and carry no meaning.
 *
 * @param value the full id including its prefix
 */
public record RuleId(String value) {
  /** The prefix every value of this id type starts with. */
  public static final String PREFIX = "sr_";

  /**
   * @throws IllegalArgumentException if {@code value} is not a well-formed id of this type
   */
  public RuleId {
    Ids.check(value, PREFIX, "RuleId");
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
