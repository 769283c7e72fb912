package io.spaceduck.storage;

import io.spaceduck.api.HatchId;
import java.time.Instant;
import java.util.Objects;

/**
 * A hatch between its two steps (H2): no identity yet, the email encrypted, the code only as a keyed
 * MAC, an expiry and a count of failed attempts. Dead once consumed, expired or out of attempts.
 */
public record PendingHatch(
    HatchId id,
    String displayName,
    Bytes encryptedEmail,
    Bytes codeMac,
    Instant createdAt,
    Instant expiresAt,
    int failedAttempts,
    boolean consumed) {
  public PendingHatch {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(encryptedEmail, "encryptedEmail");
    Objects.requireNonNull(codeMac, "codeMac");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (failedAttempts < 0) {
      throw new IllegalArgumentException("failedAttempts >= 0");
    }
  }

  public PendingHatch withFailedAttempt() {
    return new PendingHatch(id, displayName, encryptedEmail, codeMac, createdAt, expiresAt, failedAttempts + 1, consumed);
  }

  public PendingHatch asConsumed() {
    return new PendingHatch(id, displayName, encryptedEmail, codeMac, createdAt, expiresAt, failedAttempts, true);
  }
}
