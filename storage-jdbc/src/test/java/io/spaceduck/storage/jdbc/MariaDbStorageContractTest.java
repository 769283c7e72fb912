package io.spaceduck.storage.jdbc;

import io.spaceduck.conformance.CommitFaults;
import io.spaceduck.conformance.StorageContract;
import io.spaceduck.conformance.StoreCapability;
import io.spaceduck.storage.Storage;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Runs the storage conformance kit against {@link JdbcStorage} on MariaDb. Every store starts empty on
 * one shared namespace (see {@link SharedNamespace}); {@value TestDatabase#REQUIRE_ENV}=true makes a
 * missing database a failure instead of a skip.
 */
@AddLifecycleHook(SkipWithoutDatabase.MariaDb.class)
class MariaDbStorageContractTest extends StorageContract {
  private static SharedNamespace shared;

  private static synchronized SharedNamespace shared() {
    if (shared == null) {
      shared = new SharedNamespace(TestDatabase.MARIADB);
    }
    return shared;
  }

  @Override
  protected Storage newStorage() {
    return shared().openEmpty(JdbcOptions.defaults());
  }

  /** A database keeps what it committed, and a connection can be lost right after a commit. */
  @Override
  protected Set<StoreCapability> capabilities() {
    return EnumSet.of(StoreCapability.DURABLE, StoreCapability.COMMIT_FAULTS);
  }

  /** A connection lost right after the server committed (see {@link JdbcCommitFaults}). */
  @Override
  protected Optional<CommitFaults> commitFaults() {
    return Optional.of(new JdbcCommitFaults(MariaDbStorageContractTest::shared));
  }

  @AfterContainer
  static synchronized void dropNamespace() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }
}
