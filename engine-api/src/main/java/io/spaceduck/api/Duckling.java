package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A person or organisation that hatched (SPEC §1). Its email lives in a separate, encrypted contact
 * record and never appears here.
 */
public record Duckling(
    DucklingId id,
    String displayName,
    Tier tier,
    Set<Role> roles,
    IdentityStatus status,
    Instant createdAt,
    CertId currentCert)
    implements Identity {
  public Duckling {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(tier, "tier");
    roles = Set.copyOf(roles);
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(currentCert, "currentCert");
    if (roles.contains(Role.ADMIN) && tier != Tier.T2) {
      throw new IllegalArgumentException("an admin is a T2 duckling");
    }
  }

  public Duckling withTier(Tier newTier, CertId newCert) {
    return new Duckling(id, displayName, newTier, roles, status, createdAt, newCert);
  }

  public Duckling withStatus(IdentityStatus newStatus) {
    return new Duckling(id, displayName, tier, roles, newStatus, createdAt, currentCert);
  }
}
