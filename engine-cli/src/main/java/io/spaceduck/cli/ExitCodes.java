package io.spaceduck.cli;

import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.SpaceDuckException;

/**
 * Every exit code of {@code duck}, documented in {@code docs/cli.md}. Each engine refusal kind
 * ({@link SpaceDuckException} subclass, by its {@link ErrorCode}) has its own code, so a script can
 * tell a revoked key (3) from a missing permission (4) without parsing text. Codes never change
 * meaning.
 */
final class ExitCodes {
  /** The command did what it was asked. */
  static final int OK = 0;
  /** A bug in duck or the engine: one line on stderr, the stack trace only with {@code --debug}. */
  static final int INTERNAL = 1;
  /** Usage: unknown command or option, malformed value, missing caller key, unreadable input file. */
  static final int USAGE = 2;
  /** {@code unauthenticated}: the key is missing from the store, malformed, revoked or expired. */
  static final int UNAUTHENTICATED = 3;
  /** {@code forbidden}: authenticated, but policy, tier or governance does not allow it. */
  static final int FORBIDDEN = 4;
  /** {@code not_found}: the named resource does not exist or is not visible to the caller. */
  static final int NOT_FOUND = 5;
  /** {@code conflict}: the state does not allow it (already revoked, peck closed, …) or a race. */
  static final int CONFLICT = 6;
  /** {@code rejected}: a hatch or bootstrap refusal (generic by design, H1/H4). */
  static final int REJECTED = 7;
  /** {@code invalid_input}: a malformed field (names the field, never echoes the value). */
  static final int INVALID_INPUT = 8;
  /** {@code rate_limited}: too many calls; the message says when to retry. */
  static final int RATE_LIMITED = 9;
  /** {@code unavailable}: the store could not be opened or read, or failed; nothing was applied. */
  static final int UNAVAILABLE = 10;
  /** {@code audit verify}: the chain does not hold; the message names the first broken seq. */
  static final int AUDIT_BROKEN = 11;
  /** Configuration: no store provider for the URI, unusable KEK file, store without its KEK. */
  static final int CONFIG = 12;

  private ExitCodes() {}

  /** The exit code of an engine refusal. */
  static int of(SpaceDuckException e) {
    return switch (e.code()) {
      case UNAUTHENTICATED -> UNAUTHENTICATED;
      case FORBIDDEN -> FORBIDDEN;
      case NOT_FOUND -> NOT_FOUND;
      case CONFLICT -> CONFLICT;
      case REJECTED -> REJECTED;
      case INVALID_INPUT -> INVALID_INPUT;
      case RATE_LIMITED -> RATE_LIMITED;
      case UNAVAILABLE -> UNAVAILABLE;
    };
  }
}
