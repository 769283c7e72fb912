package io.spaceduck.api;

/**
 * The credential is missing, malformed, unknown, expired or revoked. The message is always the same
 * so that a caller cannot tell which (K6).
 */
public final class Unauthenticated extends SpaceDuckException {
  /** The one message every authentication failure carries. */
  public static final String MESSAGE = "authentication failed";

  public Unauthenticated() {
    super(ErrorCode.UNAUTHENTICATED, MESSAGE, null);
  }
}
