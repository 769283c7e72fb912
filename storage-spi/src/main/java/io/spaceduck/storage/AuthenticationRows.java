package io.spaceduck.storage;

import io.spaceduck.api.Bond;
import io.spaceduck.api.Identity;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Storage#authenticationRows} read: the rows of one fixed chain of three keyed reads —
 * a key row, an identity row and a bond row — each at its committed version. Which of them belong to
 * the key and which are decoys is for the caller to tell by their ids (see that method).
 *
 * @param key the key row of the key id asked for, if it exists
 * @param identity the identity row the chain read: the key's owner, or the decoy identity
 * @param bond the bond row the chain read: the identity's bond if it is an agent, or the decoy bond
 */
public record AuthenticationRows(
    Optional<Versioned<KeyRecord>> key, Optional<Versioned<Identity>> identity, Optional<Versioned<Bond>> bond) {
  public AuthenticationRows {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(bond, "bond");
  }

  /** The identity row a chain reads after its key row: the key's owner, or {@code decoyIdentity} when there is no key row. */
  public static String identityRead(Optional<Versioned<KeyRecord>> key, String decoyIdentity) {
    return key.isPresent() ? key.get().value().info().owner().value() : decoyIdentity;
  }

  /** The bond row a chain reads after its identity row: the bond an agent names, or {@code decoyBond} otherwise. */
  public static String bondRead(Optional<Versioned<Identity>> identity, String decoyBond) {
    return identity.isPresent() && identity.get().value() instanceof io.spaceduck.api.Agent a ? a.bond().value() : decoyBond;
  }
}
