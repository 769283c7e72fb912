package io.spaceduck.api;

/** Lifecycle state of a bond. Revocation is final (B2). */
public enum BondStatus {
  /** The agent may authenticate with the bond's keys. */
  ACTIVE,
  /** Revoked: all its keys fail on their next call. */
  REVOKED
}
