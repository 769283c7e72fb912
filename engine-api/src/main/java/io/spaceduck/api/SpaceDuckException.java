package io.spaceduck.api;

/**
 * A refusal by the engine. The hierarchy is sealed: a front end switches over the subclasses (or
 * over {@link #code()}) and maps each to a response.
 *
 * <h2>Security guarantees</h2>
 *
 * Messages are fixed per situation, never contain a key, code, token or email (D2), and never say
 * why an authentication or a hatch failed (K6, H1). Refusals carry no stack trace of engine
 * internals beyond their own.
 */
public abstract sealed class SpaceDuckException extends RuntimeException
    permits Unauthenticated, Forbidden, NotFound, Conflict, RateLimited, Rejected, InvalidInput,
        Unavailable {
  private final ErrorCode code;

  SpaceDuckException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The stable error code. */
  public ErrorCode code() {
    return code;
  }
}
