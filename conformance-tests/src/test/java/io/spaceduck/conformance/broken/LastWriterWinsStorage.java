package io.spaceduck.conformance.broken;

import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;

/**
 * Broken on purpose (CAS): "helpfully" retries a conflicting unit with the versions it finds now,
 * so an update, delete or check with a stale {@link Versioned} wins anyway — the classic lost update.
 */
final class LastWriterWinsStorage extends ForwardingStorage {
  LastWriterWinsStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    for (int attempt = 0; ; attempt++) {
      try {
        return delegate.execute(tx -> unit.run(new Refreshing(tx)));
      } catch (StorageConflictException e) {
        if (attempt == 10) {
          throw e;
        }
      }
    }
  }

  /** Replaces the caller's version by whatever version is visible now. */
  private static final class Refreshing extends ForwardingTransaction {
    Refreshing(Transaction tx) {
      super(tx);
    }

    private <V> Versioned<V> now(Table<V> table, Versioned<V> current) {
      return tx.get(table, table.keyOf(current.value())).orElse(current);
    }

    @Override
    public <V> void update(Table<V> table, Versioned<V> current, V next) {
      tx.update(table, now(table, current), next);
    }

    @Override
    public <V> void delete(Table<V> table, Versioned<V> current) {
      tx.delete(table, now(table, current));
    }

    @Override
    public <V> void check(Table<V> table, Versioned<V> current) {
      tx.check(table, now(table, current));
    }
  }
}
