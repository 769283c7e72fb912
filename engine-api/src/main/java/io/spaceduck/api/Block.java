package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A block: platform-wide (by an admin; {@code operator} empty) or on one operator's block list (its
 * agents refuse pecks from the blocked identity, or from every agent of a blocked operator).
 *
 * @param blocked the blocked identity
 * @param operator the operator whose list this is; empty for a platform-wide block
 * @param by who blocked
 * @param at when
 * @param reason why
 */
public record Block(IdentityId blocked, Optional<DucklingId> operator, IdentityId by, Instant at, ReasonCode reason) {
  public Block {
    Objects.requireNonNull(blocked, "blocked");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(by, "by");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(reason, "reason");
  }

  public boolean platformWide() {
    return operator.isEmpty();
  }
}
