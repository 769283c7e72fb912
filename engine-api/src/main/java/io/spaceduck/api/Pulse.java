package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A heartbeat from a bonded agent (U1). Operational data: not audited, expires after a TTL.
 *
 * @param agent the agent
 * @param operator its operator
 * @param at when received (engine clock)
 * @param status the agent's short status text
 */
public record Pulse(AgentId agent, DucklingId operator, Instant at, String status) {
  public Pulse {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(status, "status");
  }
}
