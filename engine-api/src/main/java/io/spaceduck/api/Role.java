package io.spaceduck.api;

/** Roles are orthogonal to tiers. The only role is the platform administrator (SPEC §1). */
public enum Role {
  /**
   * Platform administrator: a T2 duckling that may read the whole audit log, verify it, revoke any
   * bond, replace compromised keys and manage the signing keyset. The first one is created by the
   * one-time bootstrap.
   */
  ADMIN
}
