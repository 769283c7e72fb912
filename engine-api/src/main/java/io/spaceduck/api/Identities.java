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
}
