package io.spaceduck.api;

/** The caller is authenticated but not allowed to do this (policy, tier, governance). */
public final class Forbidden extends SpaceDuckException {
  public Forbidden(String message) {
    super(ErrorCode.FORBIDDEN, message, null);
  }

  public Forbidden(String message, Throwable cause) {
    super(ErrorCode.FORBIDDEN, message, cause);
  }
}
