package io.spaceduck.storage;

import io.spaceduck.api.HatchId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A hatch between its two steps (H2): no identity yet, the email encrypted, the code only as a keyed
 * MAC, an expiry and a count of failed attempts. Dead once consumed, expired or out of attempts.
 *
 * <p>The row exists only while the hatch is pending: the engine deletes it in the unit that ends it
 * (completion, the last failed attempt, a completion attempt after expiry), in a deletion request of
 * the same email (D1, found through {@code emailBlindIndex}) and in its sweep of expired hatches, so
 * that no encrypted email outlives its hatch. Rows written before that rule (format 1) carry no blind
 * index and may be {@code consumed}; the sweep deletes them too.
 *
 * @param emailBlindIndex the keyed blind index of the normalised email — the same value as the
 *     contact record's (H4) — so a deletion request finds the person's pending hatches; empty in rows
 *     of format 1
 */
public record PendingHatch(
    HatchId id,
    String displayName,
    Bytes encryptedEmail,
    Optional<String> emailBlindIndex,
    Bytes codeMac,
    Instant createdAt,
    Instant expiresAt,
    int failedAttempts,
    boolean consumed) {
  public PendingHatch {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(encryptedEmail, "encryptedEmail");
    Objects.requireNonNull(emailBlindIndex, "emailBlindIndex");
    Objects.requireNonNull(codeMac, "codeMac");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (failedAttempts < 0) {
      throw new IllegalArgumentException("failedAttempts >= 0");
    }
  }

  public PendingHatch withFailedAttempt() {
    return new PendingHatch(
        id, displayName, encryptedEmail, emailBlindIndex, codeMac, createdAt, expiresAt, failedAttempts + 1, consumed);
  }

  public PendingHatch asConsumed() {
    return new PendingHatch(id, displayName, encryptedEmail, emailBlindIndex, codeMac, createdAt, expiresAt, failedAttempts, true);
  }

  /**
   * Whether the hatch has ended at {@code now} (H3): consumed, expired — at its expiry instant already
   * — or out of attempts.
   */
  public boolean endedAt(Instant now, int maxAttempts) {
    return consumed || !now.isBefore(expiresAt) || failedAttempts >= maxAttempts;
  }
}
