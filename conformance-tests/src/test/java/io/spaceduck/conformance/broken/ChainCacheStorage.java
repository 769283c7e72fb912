package io.spaceduck.conformance.broken;

import io.spaceduck.api.Bond;
import io.spaceduck.api.Identity;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.AuthenticationRows;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A cache of whole authentication chains in front of {@link Storage#authenticationRows} — one entry per
 * key id: its key, identity and bond rows, or "no key row" — invalidated when a unit commits: correctly
 * ({@link Mode#HONEST}: an entry goes when any row it read is written) or with one of three bugs a real
 * store's chain cache could have (I3):
 *
 * <ul>
 *   <li>{@link Mode#KEY_ROWS_ONLY}: an entry goes only when its key row is written, so a blocked agent or a
 *       revoked bond is still served with the old row;
 *   <li>{@link Mode#KEEPS_NO_KEY}: a cached "no key row" is never dropped, so a key inserted after a
 *       failed lookup of its id stays unknown;
 *   <li>{@link Mode#RACY_FILL}: a reader fills with no guard against a commit in between; the store plays
 *       the losing interleaving at every commit (the entries the commit dropped are put back as they
 *       were read just before it).
 * </ul>
 *
 * {@code HONEST} fills under a read lock and invalidates under the write lock after the commit, before
 * {@code execute} returns. A "no key row" entry answers with the decoy rows of the call, read each time.
 */
final class ChainCacheStorage extends ForwardingStorage {
  enum Mode {
    HONEST,
    KEY_ROWS_ONLY,
    KEEPS_NO_KEY,
    RACY_FILL
  }

  /** A chain and the rows it read: key, identity and bond ids (null where the chain read none of its own). */
  private record Entry(AuthenticationRows rows, String decoyBond, Set<String> read) {
    boolean noKey() {
      return rows.key().isEmpty();
    }
  }

  private final Mode mode;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  ChainCacheStorage(Storage delegate, Mode mode) {
    super(delegate);
    this.mode = mode;
  }

  private static String row(Table<?> t, String key) {
    return t.name() + "/" + key;
  }

  @Override
  public AuthenticationRows authenticationRows(String keyId, String decoyIdentity, String decoyBond) {
    Entry e = cache.get(keyId);
    if (e != null && e.noKey()) {
      return decoys(decoyIdentity, decoyBond);
    }
    if (e != null && e.decoyBond().equals(decoyBond)) {
      return e.rows();
    }
    lock.readLock().lock();
    try {
      AuthenticationRows rows = delegate.authenticationRows(keyId, decoyIdentity, decoyBond);
      Set<String> read = new HashSet<>();
      read.add(row(Tables.KEYS, keyId));
      if (rows.key().isPresent()) {
        String owner = rows.key().get().value().info().owner().value();
        read.add(row(Tables.IDENTITIES, owner));
        read.add(row(Tables.BONDS, AuthenticationRows.bondRead(rows.identity(), decoyBond)));
      }
      cache.put(keyId, new Entry(rows, decoyBond, read));
      return rows;
    } finally {
      lock.readLock().unlock();
    }
  }

  private AuthenticationRows decoys(String decoyIdentity, String decoyBond) {
    Optional<Versioned<Identity>> identity = delegate.get(Tables.IDENTITIES, decoyIdentity);
    Optional<Versioned<Bond>> bond = delegate.get(Tables.BONDS, AuthenticationRows.bondRead(identity, decoyBond));
    return new AuthenticationRows(Optional.empty(), identity, bond);
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    Set<String> written = new HashSet<>();
    T result = delegate.execute(tx -> unit.run(recording(tx, written)));
    lock.writeLock().lock();
    try {
      Map<String, Entry> dropped = new HashMap<>();
      cache.forEach((keyId, e) -> {
        boolean stale =
            switch (mode) {
              case KEY_ROWS_ONLY -> written.contains(row(Tables.KEYS, keyId));
              case KEEPS_NO_KEY -> !e.noKey() && e.read().stream().anyMatch(written::contains);
              case HONEST, RACY_FILL -> e.read().stream().anyMatch(written::contains);
            };
        if (stale) {
          dropped.put(keyId, e);
        }
      });
      dropped.keySet().forEach(cache::remove);
      if (mode == Mode.RACY_FILL) {
        cache.putAll(dropped); // the descheduled readers' puts land after the invalidation
      }
    } finally {
      lock.writeLock().unlock();
    }
    return result;
  }

  private static Transaction recording(Transaction tx, Set<String> written) {
    return new ForwardingTransaction(tx) {
      @Override
      public <V> void insert(Table<V> table, V value) {
        super.insert(table, value);
        written.add(row(table, table.keyOf(value)));
      }

      @Override
      public <V> void update(Table<V> table, Versioned<V> current, V next) {
        super.update(table, current, next);
        written.add(row(table, table.keyOf(next)));
      }

      @Override
      public <V> void delete(Table<V> table, Versioned<V> current) {
        super.delete(table, current);
        written.add(row(table, table.keyOf(current.value())));
      }
    };
  }
}
