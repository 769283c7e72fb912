package io.spaceduck.api;

/**
 * Governance actions recorded in the audit chain. The {@link #code()} is what the event stores and
 * hashes; codes are stable forever (new actions only add codes).
 */
public enum AuditAction {
  ADMIN_BOOTSTRAPPED("admin.bootstrapped"),
  HATCH_COMPLETED("hatch.completed"),
  TIER_PROMOTED("tier.promoted"),
  BOND_CREATED("bond.created"),
  BOND_REVOKED("bond.revoked"),
  KEY_ROTATED("key.rotated"),
  KEY_REVOKED("key.revoked"),
  KEY_REPLACED("key.replaced"),
  SIGNING_KEY_ADDED("signing_key.added"),
  SIGNING_KEY_PROMOTED("signing_key.promoted"),
  AUDIT_READ("audit.read"),
  AUDIT_VERIFIED("audit.verified");

  private final String code;

  AuditAction(String code) {
    this.code = code;
  }

  /** The stable code stored in events, e.g. {@code "key.revoked"}. */
  public String code() {
    return code;
  }
}
