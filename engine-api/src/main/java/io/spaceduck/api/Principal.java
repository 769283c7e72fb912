package io.spaceduck.api;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The authenticated caller: the identity a Beak Key authenticated as, at the instant of the call.
 * It is a snapshot for that call only; the engine never keeps a "logged in" state.
 *
 * @param id the identity
 * @param tier its tier at the time of the call
 * @param roles its roles
 * @param keyId the key used
 * @param operator for an agent, its operator
 * @param bond for an agent, its bond
 */
public record Principal(
    IdentityId id,
    Tier tier,
    Set<Role> roles,
    KeyId keyId,
    Optional<DucklingId> operator,
    Optional<BondId> bond) {
  public Principal {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tier, "tier");
    roles = Set.copyOf(roles);
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(bond, "bond");
  }

  public IdentityKind kind() {
    return id.kind();
  }

  public boolean isAdmin() {
    return roles.contains(Role.ADMIN);
  }
}
