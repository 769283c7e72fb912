package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What may be known about a Beak Key — never the secret (K1).
 *
 * @param id the key id
 * @param owner the identity the key authenticates (K2: exactly one)
 * @param bond the bond it belongs to, for an agent key
 * @param createdAt issue time
 * @param graceUntil set when the key was rotated away: it is accepted strictly before this instant
 * @param revocation set when revoked
 */
public record KeyInfo(
    KeyId id,
    IdentityId owner,
    Optional<BondId> bond,
    Instant createdAt,
    Optional<Instant> graceUntil,
    Optional<Revocation> revocation) {
  public KeyInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(bond, "bond");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(graceUntil, "graceUntil");
    Objects.requireNonNull(revocation, "revocation");
    if ((owner.kind() == IdentityKind.AGENT) != bond.isPresent()) {
      throw new IllegalArgumentException("an agent key, and only one, belongs to a bond");
    }
  }

  /** The key's state at {@code now}. At the instant grace ends the key is already expired (K3). */
  public KeyStatus statusAt(Instant now) {
    if (revocation.isPresent()) {
      return KeyStatus.REVOKED;
    }
    if (graceUntil.isPresent()) {
      return now.isBefore(graceUntil.get()) ? KeyStatus.GRACE : KeyStatus.EXPIRED;
    }
    return KeyStatus.ACTIVE;
  }

  /** Whether the key authenticates at {@code now}. */
  public boolean usableAt(Instant now) {
    KeyStatus s = statusAt(now);
    return s == KeyStatus.ACTIVE || s == KeyStatus.GRACE;
  }

  public KeyInfo rotatedAway(Instant until) {
    return new KeyInfo(id, owner, bond, createdAt, Optional.of(until), revocation);
  }

  public KeyInfo revoked(Revocation r) {
    return new KeyInfo(id, owner, bond, createdAt, graceUntil, Optional.of(r));
  }
}
