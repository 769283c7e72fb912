package io.spaceduck.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Pulses (U1–U3): cheap, unaudited heartbeats of bonded agents, kept for a TTL (default 90 days). */
public interface Pulses {
  /** Maximum status length in characters. */
  int MAX_STATUS = 256;

  /**
   * U1: the calling agent reports {@code status} (1–256 printable characters, no control or format
   * characters).
   *
   * @throws InvalidInput on an oversized or malformed status
   */
  Pulse pulse(BeakKey caller, String status);

  /** The latest pulse of {@code agent} (the agent itself, its operator, or an admin). */
  Optional<Pulse> latest(BeakKey caller, AgentId agent);

  /** Up to {@code limit} pulses of {@code agent} within the TTL, newest first. */
  List<Pulse> history(BeakKey caller, AgentId agent, int limit);

  /** U2: the caller's active agents without a pulse for longer than the default threshold (5 min). */
  List<StaleAgent> stale(BeakKey caller);

  /** U2: as {@link #stale(BeakKey)} with an explicit threshold. */
  List<StaleAgent> stale(BeakKey caller, Duration threshold);

  /** U1: deletes history older than the TTL (the latest pulse per agent is kept); returns how many. */
  int sweepExpired();
}
