package io.spaceduck.conformance;

import io.spaceduck.storage.Table;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rows of a {@link ReadAfterCommitContract.ChainScenario} as committed, with their versions: the
 * writes each step makes in the current state, snapshots of the rows, and the chains {@link
 * io.spaceduck.storage.Storage#authenticationRows} must return over a snapshot.
 */
final class AuthenticationChainModel {
  private final java.util.Map<String, Versioned<?>> rows = new java.util.HashMap<>();

  /** One write of a unit, with the row version it expects. */
  record Write(Table<?> table, @org.jspecify.annotations.Nullable Versioned<?> before, @org.jspecify.annotations.Nullable Object after) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    void applyTo(io.spaceduck.storage.Transaction tx) {
      Table t = table;
      if (after == null) {
        tx.delete(t, (Versioned) before);
      } else if (before == null) {
        tx.insert(t, after);
      } else {
        tx.update(t, (Versioned) before, after);
      }
    }
  }

  static String id(Table<?> t, String key) {
    return t.name() + "/" + key;
  }

  void put(Table<?> t, String key, Object value) {
    rows.put(id(t, key), new Versioned<>(value, 1));
  }

  @org.jspecify.annotations.Nullable Versioned<?> row(Table<?> t, String key) {
    return rows.get(id(t, key));
  }

  private Write write(Table<?> t, String key, @org.jspecify.annotations.Nullable Object after) {
    Versioned<?> before = row(t, key);
    if (after == null) {
      rows.remove(id(t, key));
    } else {
      rows.put(id(t, key), new Versioned<>(after, before == null ? 1 : before.version() + 1));
    }
    return new Write(t, before, after);
  }

  /** The writes of {@code step} in the current state (applied to the model), or none if it does not apply. */
  List<Write> step(ReadAfterCommitContract.ChainStep step, ReadAfterCommitContract.ChainScenario c) {
    var keys = io.spaceduck.storage.Tables.KEYS;
    var identities = io.spaceduck.storage.Tables.IDENTITIES;
    var bonds = io.spaceduck.storage.Tables.BONDS;
    String key = c.key().info().id().value();
    String second = c.secondKey().value();
    Versioned<?> k = row(keys, key);
    Versioned<?> a = row(identities, c.agent().id().value());
    io.spaceduck.api.Agent agent = a == null ? c.agent() : (io.spaceduck.api.Agent) a.value();
    Versioned<?> b = row(bonds, agent.bond().value());
    io.spaceduck.api.Revocation revocation = new io.spaceduck.api.Revocation(
        c.agent().operator(), StorageArbitraries.AUDIT_EPOCH, io.spaceduck.api.ReasonCode.COMPROMISED);
    switch (step) {
      case REVOKE_KEY -> {
        if (k == null || ((io.spaceduck.storage.KeyRecord) k.value()).info().revocation().isPresent()) {
          return List.of();
        }
        io.spaceduck.storage.KeyRecord r = (io.spaceduck.storage.KeyRecord) k.value();
        return List.of(write(keys, key, new io.spaceduck.storage.KeyRecord(r.info().revoked(revocation), r.mac())));
      }
      case REWRITE_KEY_MAC -> {
        if (k == null) {
          return List.of();
        }
        io.spaceduck.storage.KeyRecord r = (io.spaceduck.storage.KeyRecord) k.value();
        return List.of(write(keys, key, new io.spaceduck.storage.KeyRecord(r.info(),
            io.spaceduck.storage.Bytes.of(new byte[] {(byte) k.version(), 7}))));
      }
      case DELETE_KEY -> {
        return k == null ? List.of() : List.of(write(keys, key, null));
      }
      case INSERT_KEY -> {
        return k != null ? List.of() : List.of(write(keys, key, c.key()));
      }
      case REVOKE_BOND -> {
        if (b == null || ((io.spaceduck.api.Bond) b.value()).revocation().isPresent()) {
          return List.of();
        }
        return List.of(write(bonds, agent.bond().value(), ((io.spaceduck.api.Bond) b.value()).revoked(revocation)));
      }
      case DELETE_BOND -> {
        return b == null ? List.of() : List.of(write(bonds, agent.bond().value(), null));
      }
      case INSERT_BOND -> {
        if (b != null) {
          return List.of();
        }
        io.spaceduck.api.Bond fresh = new io.spaceduck.api.Bond(agent.bond(), agent.id(), agent.operator(), c.bond().agentName(),
            c.bond().bondedAt(), io.spaceduck.api.BondStatus.ACTIVE, Optional.empty());
        return List.of(write(bonds, agent.bond().value(), fresh));
      }
      case BLOCK_OR_UNBLOCK_AGENT -> {
        io.spaceduck.api.IdentityStatus next = agent.status() == io.spaceduck.api.IdentityStatus.ACTIVE
            ? io.spaceduck.api.IdentityStatus.BLOCKED : io.spaceduck.api.IdentityStatus.ACTIVE;
        return List.of(write(identities, agent.id().value(), agent.withStatus(next)));
      }
      case REBOND_AGENT -> {
        io.spaceduck.api.BondId other = agent.bond().equals(c.bond().id()) ? c.secondBond() : c.bond().id();
        io.spaceduck.api.Agent moved = new io.spaceduck.api.Agent(agent.id(), other, agent.operator(), agent.displayName(),
            agent.tier(), agent.status(), agent.createdAt(), agent.currentCert());
        List<Write> unit = new ArrayList<>();
        unit.add(write(identities, agent.id().value(), moved));
        if (row(bonds, other.value()) == null) {
          unit.add(write(bonds, other.value(), new io.spaceduck.api.Bond(other, agent.id(), agent.operator(), c.bond().agentName(),
              c.bond().bondedAt(), io.spaceduck.api.BondStatus.ACTIVE, Optional.empty())));
        }
        return unit;
      }
      case INSERT_SECOND_KEY -> {
        if (row(keys, second) != null) {
          return List.of();
        }
        io.spaceduck.api.KeyInfo i = c.key().info();
        return List.of(write(keys, second, new io.spaceduck.storage.KeyRecord(
            new io.spaceduck.api.KeyInfo(c.secondKey(), i.owner(), i.bond(), i.createdAt(), i.graceUntil(), Optional.empty()),
            c.key().mac())));
      }
      case DELETE_SECOND_KEY -> {
        return row(keys, second) == null ? List.of() : List.of(write(keys, second, null));
      }
    }
    throw new AssertionError(step);
  }

  /** The rows now, as an unmodifiable copy. */
  java.util.Map<String, Versioned<?>> snapshot() {
    return java.util.Map.copyOf(rows);
  }

  /** What {@link Storage#authenticationRows} must return for each key id over {@code rows}, with nothing committing meanwhile. */
  @SuppressWarnings("unchecked")
  static List<io.spaceduck.storage.AuthenticationRows> chains(
      java.util.Map<String, Versioned<?>> rows, List<String> keyIds, String decoyIdentity, String decoyBond) {
    List<io.spaceduck.storage.AuthenticationRows> out = new ArrayList<>();
    for (String keyId : keyIds) {
      Optional<Versioned<io.spaceduck.storage.KeyRecord>> key =
          Optional.ofNullable((Versioned<io.spaceduck.storage.KeyRecord>) rows.get(id(io.spaceduck.storage.Tables.KEYS, keyId)));
      Optional<Versioned<io.spaceduck.api.Identity>> identity = Optional.ofNullable((Versioned<io.spaceduck.api.Identity>)
          rows.get(id(io.spaceduck.storage.Tables.IDENTITIES, io.spaceduck.storage.AuthenticationRows.identityRead(key, decoyIdentity))));
      Optional<Versioned<io.spaceduck.api.Bond>> bond = Optional.ofNullable((Versioned<io.spaceduck.api.Bond>)
          rows.get(id(io.spaceduck.storage.Tables.BONDS, io.spaceduck.storage.AuthenticationRows.bondRead(identity, decoyBond))));
      out.add(new io.spaceduck.storage.AuthenticationRows(key, identity, bond));
    }
    return out;
  }
}
