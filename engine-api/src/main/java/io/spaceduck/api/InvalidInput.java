package io.spaceduck.api;

/**
 * A malformed input value. The message names the field and the rule, never the value itself.
 */
public final class InvalidInput extends SpaceDuckException {
  private final String field;

  public InvalidInput(String field, String rule) {
    super(ErrorCode.INVALID_INPUT, field + ": " + rule, null);
    this.field = field;
  }

  /** The name of the offending field. */
  public String field() {
    return field;
  }
}
