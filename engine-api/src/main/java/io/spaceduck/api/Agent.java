package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;

/** An AI agent bonded to its operator (SPEC §1, B1). Its tier is never above its operator's. */
public record Agent(
    AgentId id,
    BondId bond,
    DucklingId operator,
    String displayName,
    Tier tier,
    IdentityStatus status,
    Instant createdAt,
    CertId currentCert)
    implements Identity {
  public Agent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(bond, "bond");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(currentCert, "currentCert");
  }

  public Agent withTier(Tier newTier, CertId newCert) {
    return new Agent(id, bond, operator, displayName, newTier, status, createdAt, newCert);
  }

  public Agent withStatus(IdentityStatus newStatus) {
    return new Agent(id, bond, operator, displayName, tier, newStatus, createdAt, currentCert);
  }
}
