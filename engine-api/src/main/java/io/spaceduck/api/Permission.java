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
  MANAGE_SIGNING_KEYS(true),
  /** Request a peck for oneself (P1). */
  PECK_REQUEST(true),
  /** Request a peck on behalf of a lower-tier agent of the same operator (P6). */
  PECK_SPONSOR(true),
  /** Be pecked, and accept or decline as the target (P3). */
  PECK_RESPOND(true),
  /** Approve or reject pecks targeting agents one governs (P4). */
  PECK_APPROVE(true),
  /** Close a peck one is involved in, as agent or operator. */
  PECK_CLOSE(true),
  /** Manage standing approval rules for one's T3 agents (P4). */
  MANAGE_STANDING_RULES(true),
  /** Send pulses (U1). */
  PULSE(false),
  /** Read the pulses and stale listing of one's agents (U1, U2). */
  READ_PULSES(false),
  /** Keep a block list for one's agents. */
  BLOCK(true),
  /** Block or unblock any identity platform-wide. */
  BLOCK_PLATFORM(true),
  /** Request the deletion of one's own duckling (D1). */
  REQUEST_DELETION(true),
  /** Delete any duckling (D1). */
  DELETE_IDENTITY(true);

  private final boolean governance;

  Permission(boolean governance) {
    this.governance = governance;
  }

  /** Whether this permission changes state, so that a denied attempt is audited. */
  public boolean isGovernance() {
    return governance;
  }
}
