package io.spaceduck.api;

/** A concurrent change won the race; nothing of this call was applied. */
public final class Conflict extends SpaceDuckException {
  public Conflict(String message) {
    super(ErrorCode.CONFLICT, message, null);
  }

  public Conflict(String message, Throwable cause) {
    super(ErrorCode.CONFLICT, message, cause);
  }
}
