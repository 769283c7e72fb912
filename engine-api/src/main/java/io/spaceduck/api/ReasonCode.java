package io.spaceduck.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Why a governance action happened, recorded in the audit event (e.g. every revocation, K4). A
 * short lowercase code ({@code [a-z0-9_]{1,40}}), never free text, so it can carry no secret.
 *
 * @param code the code
 */
public record ReasonCode(String code) {
  private static final Pattern FORM = Pattern.compile("[a-z0-9_]{1,40}");

  public static final ReasonCode NONE = new ReasonCode("none");
  public static final ReasonCode COMPROMISED = new ReasonCode("compromised");
  public static final ReasonCode ROTATION = new ReasonCode("rotation");
  public static final ReasonCode OPERATOR_REQUEST = new ReasonCode("operator_request");
  public static final ReasonCode POLICY_VIOLATION = new ReasonCode("policy_violation");
  public static final ReasonCode NO_LONGER_NEEDED = new ReasonCode("no_longer_needed");
  public static final ReasonCode BOND_REVOKED = new ReasonCode("bond_revoked");
  public static final ReasonCode DELETION_REQUEST = new ReasonCode("deletion_request");
  public static final ReasonCode TIER_CHANGE = new ReasonCode("tier_change");
  public static final ReasonCode BLOCKED = new ReasonCode("blocked");
  public static final ReasonCode KEY_REVOKED = new ReasonCode("key_revoked");
  public static final ReasonCode EXPIRED = new ReasonCode("expired");
  public static final ReasonCode IDENTITY_DELETED = new ReasonCode("identity_deleted");
  /** Recorded on denied governance attempts (A1). */
  public static final ReasonCode NOT_PERMITTED = new ReasonCode("not_permitted");

  /**
   * @throws IllegalArgumentException if {@code code} is not 1–40 characters of {@code [a-z0-9_]}
   */
  public ReasonCode {
    Objects.requireNonNull(code, "code");
    if (!FORM.matcher(code).matches()) {
      throw new IllegalArgumentException("reason code must match [a-z0-9_]{1,40}");
    }
  }

  /** Parses a reason code. */
  public static ReasonCode of(String code) {
    return new ReasonCode(code);
  }

  @Override
  public String toString() {
    return code;
  }
}
