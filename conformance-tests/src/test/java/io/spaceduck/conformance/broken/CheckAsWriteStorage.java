package io.spaceduck.conformance.broken;

import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;

/**
 * Broken on purpose (CAS): implements a read condition ({@link Transaction#check}) as a write of the
 * unchanged row — what a store does that has no read conditions of its own and locks or versions the
 * row instead. Every condition is still enforced, but two units that only check one row conflict: the
 * engine re-checks the caller's key and identity in every governance action, so on such a store a
 * host's parallel rotations for one operator would conflict with each other (issue 19). Units one at a
 * time, the store is correct.
 */
final class CheckAsWriteStorage extends ForwardingStorage {
  CheckAsWriteStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    return delegate.execute(tx -> unit.run(new ForwardingTransaction(tx) {
      @Override
      public <V> void check(Table<V> table, Versioned<V> current) {
        tx.update(table, current, current.value()); // the bug: the condition bumps the version
      }
    }));
  }
}
