package io.spaceduck.conformance.broken;

import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import java.util.Optional;

/**
 * Broken on purpose (CAS, K4): checks a unit's read conditions ({@link Transaction#check}) against the
 * state before the unit's batch instead of at the unit's own commit — here, when the unit states them —
 * and never again. That is what a group committer does that runs every unit's conditions of a batch
 * first and then every write (the JDBC store's defect of issue 14): two units that each check what
 * the other writes both commit (write skew). Key A revoking key B while B revokes A: both revoked,
 * which no serial order allows. Units one at a time, the store is correct.
 */
final class EarlyCheckStorage extends ForwardingStorage {
  EarlyCheckStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    return delegate.execute(tx -> unit.run(new ForwardingTransaction(tx) {
      @Override
      public <V> void check(Table<V> table, Versioned<V> current) {
        Optional<Versioned<V>> now = delegate.get(table, table.keyOf(current.value()));
        if (now.map(Versioned::version).orElse(-1L) != current.version()) {
          throw new StorageConflictException(table + ": read condition failed");
        }
        // the bug: the condition is not handed on, so nothing checks it again at commit
      }
    }));
  }
}
