package io.spaceduck.api;

/**
 * Everything the {@link Policy} decides. Governance permissions (those that change state) are
 * audited when denied to an authenticated caller (A1).
 */
public enum Permission {
  /** Read one's own identity, keys and certificates; list one's own bonds. */
  READ_SELF(false),
  /** Look up any certificate by id, render it (C4, C5). */
  LOOKUP_CERT(false),
  /** Rotate or revoke one's own key (K3, K4). */
  MANAGE_OWN_KEYS(true),
  /** Bond an agent (B1). */
  BOND_AGENT(true),
  /** Revoke a bond one governs (B2, B3). */
  REVOKE_BOND(true),
  /** Rotate or revoke keys of agents one governs (K3, K4). */
  MANAGE_AGENT_KEYS(true),
  /** Promote another identity's tier. */
  PROMOTE(true),
  /** Read the audit events of one's governance (A4). */
  READ_AUDIT(false),
  /** Replace a compromised key (K5). */
  REPLACE_KEY(true),
  /** Recompute the whole audit chain (A3). */
  VERIFY_AUDIT(false),
  /** Add or promote a certificate signing key (C2). */
  MANAGE_SIGNING_KEYS(true);

  private final boolean governance;

  Permission(boolean governance) {
    this.governance = governance;
  }

  /** Whether this permission changes state, so that a denied attempt is audited. */
  public boolean isGovernance() {
    return governance;
  }
}
