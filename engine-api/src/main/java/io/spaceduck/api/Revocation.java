package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;

/**
 * Who revoked something, when and why (B2, K4).
 *
 * @param by the revoking identity
 * @param at when
 * @param reason the reason code
 */
public record Revocation(IdentityId by, Instant at, ReasonCode reason) {
  public Revocation {
    Objects.requireNonNull(by, "by");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(reason, "reason");
  }
}
