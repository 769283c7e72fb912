package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** A bond between an operator and an agent (B1). Revocation is final and immediate (B2). */
public record Bond(
    BondId id,
    AgentId agent,
    DucklingId operator,
    String agentName,
    Instant bondedAt,
    BondStatus status,
    Optional<Revocation> revocation) {
  public Bond {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(agentName, "agentName");
    Objects.requireNonNull(bondedAt, "bondedAt");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(revocation, "revocation");
    if ((status == BondStatus.REVOKED) != revocation.isPresent()) {
      throw new IllegalArgumentException("a revoked bond, and only one, carries its revocation");
    }
  }

  public Bond revoked(Revocation r) {
    return new Bond(id, agent, operator, agentName, bondedAt, BondStatus.REVOKED, Optional.of(r));
  }
}
