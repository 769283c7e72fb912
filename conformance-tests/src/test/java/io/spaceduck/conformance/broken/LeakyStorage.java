package io.spaceduck.conformance.broken;

import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Broken on purpose (I4): when a unit fails — it throws or a condition fails — the first row it
 * inserted is committed anyway, as if the store had written eagerly and forgotten to roll back.
 */
final class LeakyStorage extends ForwardingStorage {
  LeakyStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    List<Consumer<Transaction>> inserts = new ArrayList<>();
    try {
      return delegate.execute(tx -> {
        inserts.clear();
        return unit.run(new Recording(tx, inserts));
      });
    } catch (RuntimeException failed) {
      if (!inserts.isEmpty()) {
        Consumer<Transaction> leak = inserts.get(0);
        delegate.execute(tx -> {
          leak.accept(tx);
          return null;
        });
      }
      throw failed;
    }
  }

  private static final class Recording extends ForwardingTransaction {
    private final List<Consumer<Transaction>> inserts;

    Recording(Transaction tx, List<Consumer<Transaction>> inserts) {
      super(tx);
      this.inserts = inserts;
    }

    @Override
    public <V> void insert(Table<V> table, V value) {
      inserts.add(t -> t.insert(table, value));
      tx.insert(table, value);
    }
  }
}
