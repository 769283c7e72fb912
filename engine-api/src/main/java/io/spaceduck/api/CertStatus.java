package io.spaceduck.api;

/**
 * What a relying party needs to know about a certificate now (C3, I6, P2): whether it is its
 * subject's current certificate and whether that subject is still in good standing. Only {@link
 * #CURRENT} means "trust it"; every other value says why not.
 *
 * <p>A certificate that is not its subject's current one is {@link #SUPERSEDED}, whatever became of
 * the subject since (C3: the old one stays "marked superseded"; the subject's current certificate
 * says the rest). The subject's current certificate is {@link #DELETED}, {@link #REVOKED} or {@link
 * #BLOCKED} when the subject is, in that order of precedence (permanent states first), and {@link
 * #CURRENT} otherwise.
 */
public enum CertStatus {
  /** The subject's one current certificate, and the subject is active (for an agent: its bond too). */
  CURRENT,
  /** Superseded by a later certificate (e.g. on a tier change); still retrievable and verifiable. */
  SUPERSEDED,
  /** The subject's current certificate, but the agent's bond is revoked (B2): permanently invalid. */
  REVOKED,
  /** The subject's current certificate, but the duckling was deleted on request (D1): permanently invalid. */
  DELETED,
  /** The subject's current certificate, but the subject is blocked platform-wide: invalid while blocked. */
  BLOCKED;

  /** Whether a relying party may trust the certificate now: only {@link #CURRENT}. */
  public boolean valid() {
    return this == CURRENT;
  }

  /** Whether the certificate is its subject's current one (I6: exactly one per subject), valid or not. */
  public boolean isSubjectsCurrent() {
    return this != SUPERSEDED;
  }
}
