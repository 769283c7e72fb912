package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What a verified session token says (P5).
 *
 * @param peck the peck
 * @param subject the agent the token was issued to
 * @param peer the other agent
 * @param scope the approved scope
 * @param expiresAt the token's expiry
 */
public record Session(PeckId peck, AgentId subject, AgentId peer, Set<String> scope, Instant expiresAt) {
  public Session {
    Objects.requireNonNull(peck, "peck");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(peer, "peer");
    scope = Set.copyOf(scope);
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
