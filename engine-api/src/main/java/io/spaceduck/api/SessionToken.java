package io.spaceduck.api;

import java.util.Objects;

/**
 * A peck session token (P5): a signed JWT naming the peck, the subject agent, its peer, the scope and
 * the expiry. Never stored by the engine.
 *
 * <h2>Security guarantees</h2>
 *
 * Not a record: {@code toString} is redacted, {@code equals} is identity. The raw token is available
 * through {@link #reveal()} only.
 */
public final class SessionToken {
  private final String raw;

  private SessionToken(String raw) {
    this.raw = raw;
  }

  /** Wraps a token received from a caller. */
  public static SessionToken of(String raw) {
    return new SessionToken(Objects.requireNonNull(raw, "token"));
  }

  public String reveal() {
    return raw;
  }

  @Override
  public String toString() {
    return "SessionToken[***]";
  }
}
