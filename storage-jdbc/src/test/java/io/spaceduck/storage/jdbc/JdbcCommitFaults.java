package io.spaceduck.storage.jdbc;

import io.spaceduck.conformance.CommitFaults;
import io.spaceduck.storage.Storage;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The kit's {@link CommitFaults} capability for a JDBC store: each store runs over its own {@link
 * FaultyDataSource} on the test class's shared namespace (emptied first, as every kit store is). A
 * failure after the commit point is the connection lost right after the server committed — the
 * client's {@code commit()} throws 08006 although the transaction is durable; reopening is a new store
 * over the same namespace, not emptied.
 */
final class JdbcCommitFaults implements CommitFaults {
  private final Supplier<SharedNamespace> shared;
  private final Map<Storage, FaultyDataSource> faults = Collections.synchronizedMap(new IdentityHashMap<>());

  JdbcCommitFaults(Supplier<SharedNamespace> shared) {
    this.shared = shared;
  }

  @Override
  public Storage newStore() {
    SharedNamespace ns = shared.get();
    ns.prepareEmpty();
    return open(ns);
  }

  private Storage open(SharedNamespace ns) {
    FaultyDataSource ds = FaultyDataSource.unpooled(ns.ns);
    JdbcStorage s = JdbcStorage.open(ds, JdbcOptions.defaults());
    faults.put(s, ds);
    return s;
  }

  @Override
  public void failNextCommitAfterCommitPoint(Storage store) {
    Objects.requireNonNull(faults.get(store), "not a store of this capability").loseConnectionAtCommit(true);
  }

  @Override
  public Storage reopen(Storage store) {
    store.close();
    faults.remove(store);
    return open(shared.get());
  }
}
