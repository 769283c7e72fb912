package io.spaceduck.conformance.broken;

import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A record cache in front of every committed {@code get} — rows and "no row" answers alike —
 * invalidated when a unit commits: correctly ({@link Mode#HONEST}, to show the kit's property accepts a
 * coherent cache) or with one of three bugs a real store's cache could have (I3, K4):
 *
 * <ul>
 *   <li>{@link Mode#FORGETS_DELETES}: commit invalidates the rows a unit inserted or updated, not those it
 *       deleted, so a deleted (revoked, purged) key row is still served;
 *   <li>{@link Mode#FORGETS_INSERTS}: commit invalidates the rows a unit updated or deleted, not those it
 *       inserted, so a key whose "no row" answer was cached stays absent after it is inserted again;
 *   <li>{@link Mode#RACY_FILL}: a reader that missed reads the store and puts what it read into the cache
 *       with no guard against a commit in between. The store plays the losing interleaving at every
 *       commit, deterministically (no timing): a reader read each row the unit updated or deleted just
 *       before the commit, was descheduled, and puts that old row back right after the commit
 *       invalidated it — so the old row is served after the commit.
 * </ul>
 *
 * {@code HONEST} fills under a read lock and invalidates under the write lock after the commit, before
 * {@code execute} returns (the MapDB store's scheme). Units and {@code findBy} read through.
 */
final class CommitCacheStorage extends ForwardingStorage {
  enum Mode {
    HONEST,
    FORGETS_DELETES,
    FORGETS_INSERTS,
    RACY_FILL
  }

  private record RowId(Table<?> table, String key) {}

  private final Mode mode;
  private final ConcurrentHashMap<RowId, Optional<? extends Versioned<?>>> cache = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  CommitCacheStorage(Storage delegate, Mode mode) {
    super(delegate);
    this.mode = mode;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    RowId id = new RowId(table, key);
    Optional<? extends Versioned<?>> cached = cache.get(id);
    if (cached != null) {
      return (Optional<Versioned<V>>) cached;
    }
    lock.readLock().lock();
    try {
      Optional<Versioned<V>> read = delegate.get(table, key);
      cache.put(id, read);
      return read;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    List<RowId> written = new ArrayList<>();
    Map<RowId, Versioned<?>> readJustBefore = new LinkedHashMap<>();
    T result = delegate.execute(tx -> unit.run(recording(tx, written, readJustBefore)));
    lock.writeLock().lock();
    try {
      written.forEach(cache::remove);
      if (mode == Mode.RACY_FILL) {
        readJustBefore.forEach((id, v) -> cache.put(id, Optional.of(v))); // the descheduled readers' puts land after the invalidation
      }
    } finally {
      lock.writeLock().unlock();
    }
    return result;
  }

  private Transaction recording(Transaction tx, List<RowId> written, Map<RowId, Versioned<?>> readJustBefore) {
    return new ForwardingTransaction(tx) {
      @Override
      public <V> void insert(Table<V> table, V value) {
        super.insert(table, value);
        if (mode != Mode.FORGETS_INSERTS) {
          written.add(new RowId(table, table.keyOf(value)));
        }
      }

      @Override
      public <V> void update(Table<V> table, Versioned<V> current, V next) {
        super.update(table, current, next);
        RowId id = new RowId(table, table.keyOf(next));
        written.add(id);
        readJustBefore.put(id, current);
      }

      @Override
      public <V> void delete(Table<V> table, Versioned<V> current) {
        super.delete(table, current);
        RowId id = new RowId(table, table.keyOf(current.value()));
        if (mode != Mode.FORGETS_DELETES) {
          written.add(id);
        }
        readJustBefore.put(id, current);
      }
    };
  }
}
