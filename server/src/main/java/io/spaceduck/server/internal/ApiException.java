package io.spaceduck.server.internal;

import java.time.Duration;
import java.util.Optional;

/**
 * A refusal the server itself makes before (or instead of) an engine call: malformed input, a body
 * too large, an unknown route, a missing credential. Mapped to a problem document exactly like the
 * engine's refusals; its {@link #code()} is an engine {@code ErrorCode} value where one fits and one
 * of the server's few own codes otherwise ({@link ProblemCodes}).
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final Optional<Duration> retryAfter;

  ApiException(int status, String code, String detail) {
    this(status, code, detail, Optional.empty());
  }

  ApiException(int status, String code, String detail, Optional<Duration> retryAfter) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** 400 {@code invalid_input}: {@code field} breaks {@code rule}. */
  static ApiException invalid(String field, String rule) {
    return new ApiException(400, ProblemCodes.INVALID_INPUT, field + ": " + rule);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  Optional<Duration> retryAfter() {
    return retryAfter;
  }
}
