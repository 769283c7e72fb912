package io.spaceduck.api;

/** Lifecycle state of an identity. */
public enum IdentityStatus {
  /** May authenticate and act within its tier. */
  ACTIVE,
  /** Deleted on request (D1): never authenticates again; its certificates and audit events stay. */
  DELETED
}
