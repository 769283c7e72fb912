package io.spaceduck.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A peck request (P1, P6).
 *
 * @param targetCert the certificate of the agent to connect to; must be its current one (P2)
 * @param scope 1–16 scope tokens, each {@code [a-z0-9][a-z0-9:._-]{0,63}}
 * @param duration the session duration asked for, 1 minute to 30 days
 * @param onBehalfOf for a sponsoring T2 agent: the lower-tier agent of the same operator the peck is
 *     for (P6); empty when the caller requests for itself
 */
public record PeckRequest(CertId targetCert, Set<String> scope, Duration duration, Optional<AgentId> onBehalfOf) {
  public PeckRequest {
    Objects.requireNonNull(targetCert, "targetCert");
    scope = Set.copyOf(scope);
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(onBehalfOf, "onBehalfOf");
  }

  /** A request for oneself. */
  public static PeckRequest of(CertId targetCert, Set<String> scope, Duration duration) {
    return new PeckRequest(targetCert, scope, duration, Optional.empty());
  }
}
