package io.spaceduck.api;

/** The named resource does not exist or is not visible to the caller. */
public final class NotFound extends SpaceDuckException {
  public NotFound(String message) {
    super(ErrorCode.NOT_FOUND, message, null);
  }

  public NotFound(String message, Throwable cause) {
    super(ErrorCode.NOT_FOUND, message, cause);
  }
}
