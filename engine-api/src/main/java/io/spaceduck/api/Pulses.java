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
   * characters). A status is kept and shown to the agent's operator, so it may carry no secret (I8):
   * anything shaped like a Beak Key past its public id ({@code bk_<id>_…}), a JWT (a session token or
   * certificate), a six-digit code standing alone, or a long random-looking run of letters and
   * digits (32 or more, at least 12 distinct) is refused — full-width look-alikes included. Write
   * numbers of six digits with a separator ({@code 250,000}).
   *
   * @throws InvalidInput on an oversized or malformed status, or one shaped like a secret
   */
  Pulse pulse(BeakKey caller, String status);

  /** The latest pulse of {@code agent} (the agent itself, its operator, or an admin). */
  Optional<Pulse> latest(BeakKey caller, AgentId agent);

  /** Up to {@code limit} pulses of {@code agent} within the TTL, newest first. */
  List<Pulse> history(BeakKey caller, AgentId agent, int limit);

  /** U2: the caller's active agents without a pulse for longer than the default threshold (5 min). */
  List<StaleAgent> stale(BeakKey caller);

  /**
   * U2: as {@link #stale(BeakKey)} with an explicit threshold.
   *
   * @throws InvalidInput unless {@code threshold} is positive and at most 3650 days
   */
  List<StaleAgent> stale(BeakKey caller, Duration threshold);

  /** U1: deletes history older than the TTL (the latest pulse per agent is kept); returns how many. */
  int sweepExpired();
}
