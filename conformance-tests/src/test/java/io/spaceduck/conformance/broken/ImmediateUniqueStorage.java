package io.spaceduck.conformance.broken;

import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import java.util.Optional;

/**
 * Broken on purpose (H4, CAS): applies a unit's writes one at a time in the order the unit lists them,
 * each checked at once against a unique index — as a SQL store does that sends one statement per
 * write to a database whose unique constraints are checked per row (MariaDB, H2, PostgreSQL's
 * non-deferrable ones). A unit that moves a unique value from one row to another, or swaps two rows'
 * values, meets its own transient duplicate and is refused as a conflict, although its end state is
 * valid. This was the JDBC store's defect of issue 14.
 */
final class ImmediateUniqueStorage extends ForwardingStorage {
  ImmediateUniqueStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    return delegate.execute(tx -> unit.run(new Immediate(tx)));
  }

  private static final class Immediate extends ForwardingTransaction {
    Immediate(Transaction tx) {
      super(tx);
    }

    /** Refuses {@code value} if another row holds one of its unique index keys right now (own writes included). */
    private <V> void checkNow(Table<V> table, V value) {
      String key = table.keyOf(value);
      for (Index<V> index : table.indexes()) {
        if (!index.unique()) {
          continue;
        }
        Optional<String> ik = index.keyOf(value);
        if (ik.isPresent()
            && tx.findBy(index, ik.get()).stream().map(Versioned::value).map(table::keyOf).anyMatch(k -> !k.equals(key))) {
          throw new StorageConflictException(index + ": unique key taken");
        }
      }
    }

    @Override
    public <V> void insert(Table<V> table, V value) {
      checkNow(table, value);
      tx.insert(table, value);
    }

    @Override
    public <V> void update(Table<V> table, Versioned<V> current, V next) {
      checkNow(table, next);
      tx.update(table, current, next);
    }
  }
}
