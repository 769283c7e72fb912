package io.spaceduck.api;

/**
 * Id of an AI agent bonded to an operator: `ag_` followed by lowercase base32. Ids are random and carry no meaning.
 *
 * @param value the full id including its prefix
 */
public record AgentId(String value) implements IdentityId {
  /** The prefix every value of this id type starts with. */
  public static final String PREFIX = "ag_";

  /**
   * @throws IllegalArgumentException if {@code value} is not a well-formed id of this type
   */
  public AgentId {
    Ids.check(value, PREFIX, "AgentId");
  }

  /** Whether {@code value} is a well-formed id of this type (never throws, even on null). */
  public static boolean isValid(@org.jspecify.annotations.Nullable String value) {
    return value != null && Ids.valid(value, PREFIX);
  }

  @Override
  public IdentityKind kind() {
    return IdentityKind.AGENT;
  }

  @Override
  public String toString() {
    return value;
  }
}
