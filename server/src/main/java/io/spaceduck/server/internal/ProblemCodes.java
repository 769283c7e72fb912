package io.spaceduck.server.internal;

import io.spaceduck.api.ErrorCode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code code} values a problem document carries: the engine's {@link ErrorCode}s (with their
 * HTTP status from the README's table) and the server's own few, for refusals the engine never sees.
 */
public final class ProblemCodes {
  static final String INVALID_INPUT = ErrorCode.INVALID_INPUT.code();
  static final String NOT_FOUND = ErrorCode.NOT_FOUND.code();
  static final String UNAUTHENTICATED = ErrorCode.UNAUTHENTICATED.code();
  static final String UNAVAILABLE = ErrorCode.UNAVAILABLE.code();
  /** 405: the path exists, the method does not. */
  static final String METHOD_NOT_ALLOWED = "method_not_allowed";
  /** 413: the body is larger than the server accepts. */
  static final String PAYLOAD_TOO_LARGE = "payload_too_large";
  /** 415: a body that is not {@code application/json}. */
  static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
  /** 431 and other refusals Jetty makes while reading the request. */
  static final String BAD_REQUEST = "bad_request";
  /** 500: a bug; the correlation id in the problem is in the server's log. */
  static final String INTERNAL = "internal";

  private ProblemCodes() {}

  /** Every code with its HTTP status and title, in a stable order (the OpenAPI enum lists these). */
  public static Map<String, Integer> all() {
    Map<String, Integer> m = new LinkedHashMap<>();
    Arrays.stream(ErrorCode.values()).forEach(c -> m.put(c.code(), c.httpStatus()));
    m.put(METHOD_NOT_ALLOWED, 405);
    m.put(PAYLOAD_TOO_LARGE, 413);
    m.put(UNSUPPORTED_MEDIA_TYPE, 415);
    m.put(BAD_REQUEST, 400);
    m.put(INTERNAL, 500);
    return m;
  }

  /** A short, fixed title per code (RFC 9457 {@code title}). */
  static String title(String code) {
    return switch (code) {
      case "unauthenticated" -> "Unauthenticated";
      case "forbidden" -> "Forbidden";
      case "not_found" -> "Not found";
      case "conflict" -> "Conflict";
      case "rate_limited" -> "Too many requests";
      case "rejected" -> "Rejected";
      case "invalid_input" -> "Invalid input";
      case "unavailable" -> "Service unavailable";
      case METHOD_NOT_ALLOWED -> "Method not allowed";
      case PAYLOAD_TOO_LARGE -> "Payload too large";
      case UNSUPPORTED_MEDIA_TYPE -> "Unsupported media type";
      case BAD_REQUEST -> "Bad request";
      default -> "Internal error";
    };
  }

  /** The problem {@code type} URI of a code. */
  static String type(String code) {
    return "urn:spaceduck:problem:" + code;
  }
}
