package io.spaceduck.api;

/**
 * The store failed. Normally the action was not applied (fail closed). When {@link #outcomeUnknown()}
 * is true the store failed at a point where it could not tell — for example the connection was lost
 * while the database committed — and the action is either wholly applied or not at all: read the
 * state (or the audit log) before retrying an action that must not happen twice.
 */
public final class Unavailable extends SpaceDuckException {
  private final boolean outcomeUnknown;

  public Unavailable(String message) {
    this(message, null, false);
  }

  public Unavailable(String message, Throwable cause) {
    this(message, cause, false);
  }

  /**
   * @param outcomeUnknown true when the store could not tell whether the action was applied
   */
  public Unavailable(String message, Throwable cause, boolean outcomeUnknown) {
    super(ErrorCode.UNAVAILABLE, message, cause);
    this.outcomeUnknown = outcomeUnknown;
  }

  /** Whether the action may have been applied (true) or certainly was not (false). */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
