package io.spaceduck.api;

/** Lifecycle state of an identity. */
public enum IdentityStatus {
  /** May authenticate and act within its tier. */
  ACTIVE,
  /**
   * Blocked platform-wide by an admin: every call with its keys is refused ({@link Forbidden}) until
   * an admin lifts the block; it cannot peck or be pecked.
   */
  BLOCKED,
  /** Deleted on request (D1): never authenticates again; its certificates and audit events stay. */
  DELETED
}
