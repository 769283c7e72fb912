package io.spaceduck.api;

/** Whether an audited governance attempt succeeded or was refused (A1 audits both). */
public enum AuditOutcome {
  SUCCESS("success"),
  DENIED("denied");

  private final String code;

  AuditOutcome(String code) {
    this.code = code;
  }

  /** The stable code stored and hashed. */
  public String code() {
    return code;
  }

  /** Parses a stored code. */
  public static AuditOutcome fromCode(String code) {
    for (AuditOutcome o : values()) {
      if (o.code.equals(code)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown outcome");
  }
}
