package io.spaceduck.api;

import java.time.Duration;

/** The caller (or hatch source) exceeded its rate limit (R1, H5). */
public final class RateLimited extends SpaceDuckException {
  private final Duration retryAfter;

  public RateLimited(Duration retryAfter) {
    super(ErrorCode.RATE_LIMITED, "rate limited", null);
    this.retryAfter = retryAfter;
  }

  /** How long to wait before the next call can succeed. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
