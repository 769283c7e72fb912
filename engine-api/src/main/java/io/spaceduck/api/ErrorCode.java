package io.spaceduck.api;

/**
 * Stable error codes of refusals, with the HTTP status a front end should map each to. Codes never
 * change meaning; new ones may be added.
 */
public enum ErrorCode {
  /** No valid credential. Never says why (K6). */
  UNAUTHENTICATED("unauthenticated", 401),
  /** Authenticated, but the policy or governance does not allow this. */
  FORBIDDEN("forbidden", 403),
  /** The named resource does not exist (or is not visible to the caller). */
  NOT_FOUND("not_found", 404),
  /** A concurrent change won; the caller may re-read and retry. */
  CONFLICT("conflict", 409),
  /** Too many calls; retry after the given delay (R1). */
  RATE_LIMITED("rate_limited", 429),
  /** A hatch or bootstrap attempt that cannot proceed. Generic by design (H1, H4). */
  REJECTED("rejected", 422),
  /** A malformed field: names the field, never echoes its value. */
  INVALID_INPUT("invalid_input", 400),
  /** The store failed or is unreachable; nothing was changed (fail closed). */
  UNAVAILABLE("unavailable", 503);

  private final String code;
  private final int httpStatus;

  ErrorCode(String code, int httpStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
  }

  /** The stable code, e.g. {@code "rate_limited"}. */
  public String code() {
    return code;
  }

  /** The HTTP status a front end should answer with. */
  public int httpStatus() {
    return httpStatus;
  }
}
