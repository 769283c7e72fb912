package io.spaceduck.api;

/** State of a Beak Key at a given instant (K3, K4). */
public enum KeyStatus {
  /** The current key of its identity or bond. */
  ACTIVE,
  /** Rotated away, still accepted until its grace period ends. */
  GRACE,
  /** Rotated away and the grace period has ended: never accepted again. */
  EXPIRED,
  /** Revoked: never accepted again. */
  REVOKED
}
