package io.spaceduck.api;

import java.util.Objects;

/** A freshly signed session token for the calling agent, with what it says. */
public record IssuedSession(Session session, SessionToken token) {
  public IssuedSession {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(token, "token");
  }
}
