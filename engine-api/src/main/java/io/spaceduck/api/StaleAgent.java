package io.spaceduck.api;

import java.util.Objects;
import java.util.Optional;

/**
 * An agent whose last pulse is older than the stale threshold, or that never pulsed (U2).
 *
 * @param agent the agent
 * @param bond its bond
 * @param lastPulse its latest pulse, if any
 */
public record StaleAgent(AgentId agent, BondId bond, Optional<Pulse> lastPulse) {
  public StaleAgent {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(bond, "bond");
    Objects.requireNonNull(lastPulse, "lastPulse");
  }
}
