package io.spaceduck.api;

/** Identity records and tier changes. */
public interface Identities {
  /** The caller's own record, a governed agent's, or (admin) anyone's. */
  Identity get(BeakKey caller, IdentityId id);

  /**
   * Promotes {@code target} to {@code tier} and issues a certificate superseding the current one.
   * T1→T2 of a duckling only by another T2 operator or an admin; an agent only by its operator (or an
   * admin) and never above the operator's tier; never oneself (I2); T3 only with {@link
   * Feature#T3_AUTOMATION} (I7).
   *
   * @return the new certificate
   */
  BirthCertificate promote(BeakKey caller, IdentityId target, Tier tier);

  /**
   * D1: a duckling's deletion request (by itself, or by an admin): erases its contact (email), marks
   * it deleted, revokes its keys and bonds (and their keys) and closes its agents' pecks, in one
   * audited unit. Certificates and audit events stay (they are immutable by design).
   *
   * @return the deleted duckling
   */
  Duckling requestDeletion(BeakKey caller, DucklingId target, ReasonCode reason);
}
