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
  SIGNING_KEY_RETIRED("signing_key.retired"),
  CERTIFICATE_REISSUED("certificate.reissued"),
  PECK_REQUESTED("peck.requested"),
  PECK_ACCEPTED("peck.accepted"),
  PECK_DECLINED("peck.declined"),
  PECK_APPROVED("peck.approved"),
  PECK_REJECTED("peck.rejected"),
  PECK_CLOSED("peck.closed"),
  PECK_EXPIRED("peck.expired"),
  STANDING_RULE_ADDED("standing_rule.added"),
  STANDING_RULE_REMOVED("standing_rule.removed"),
  IDENTITY_BLOCKED("identity.blocked"),
  IDENTITY_UNBLOCKED("identity.unblocked"),
  BLOCKLIST_ADDED("blocklist.added"),
  BLOCKLIST_REMOVED("blocklist.removed"),
  IDENTITY_DELETED("identity.deleted"),
  CHECKPOINT_KEY_ROTATED("checkpoint_key.rotated");

  private final String code;

  AuditAction(String code) {
    this.code = code;
  }

  /** The stable code stored in events, e.g. {@code "key.revoked"}. */
  public String code() {
    return code;
  }
}
