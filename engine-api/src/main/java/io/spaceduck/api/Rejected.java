package io.spaceduck.api;

/**
 * A hatch or bootstrap attempt was refused. Every hatch refusal — failed challenge, wrong or expired
 * code, email already hatched — carries the same message so that nothing is revealed (H1, H4).
 */
public final class Rejected extends SpaceDuckException {
  /** The one message every hatch refusal carries. */
  public static final String HATCH_MESSAGE = "hatch rejected";

  public Rejected(String message) {
    super(ErrorCode.REJECTED, message, null);
  }
}
