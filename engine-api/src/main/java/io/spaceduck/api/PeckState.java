package io.spaceduck.api;

/**
 * States of a peck (P1–P7). {@code REQUESTED → ACCEPTED → ACTIVE → CLOSED} is the happy path;
 * {@code DECLINED}, {@code REJECTED}, {@code EXPIRED} and {@code CLOSED} are final. Every transition is
 * a compare-and-set: of two racing transitions exactly one wins.
 */
public enum PeckState {
  /** Requested by an agent; waiting for the target agent. */
  REQUESTED,
  /** Accepted by the target agent; waiting for an operator governing the target. */
  ACCEPTED,
  /** Approved: both agents may obtain session tokens until the session expires or is closed. */
  ACTIVE,
  /** Declined by the target agent. */
  DECLINED,
  /** Rejected by an operator governing the target. */
  REJECTED,
  /** Not accepted and approved within the request lifetime (default 24 h). */
  EXPIRED,
  /** Closed by either side, or by a cascade (revoked bond or key, block, deletion). */
  CLOSED;

  /** Whether no transition leaves this state. */
  public boolean isFinal() {
    return this != REQUESTED && this != ACCEPTED && this != ACTIVE;
  }
}
