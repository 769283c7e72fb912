package io.spaceduck.api;

/** The store failed; the action was not applied (fail closed). */
public final class Unavailable extends SpaceDuckException {
  public Unavailable(String message) {
    super(ErrorCode.UNAVAILABLE, message, null);
  }

  public Unavailable(String message, Throwable cause) {
    super(ErrorCode.UNAVAILABLE, message, cause);
  }
}
