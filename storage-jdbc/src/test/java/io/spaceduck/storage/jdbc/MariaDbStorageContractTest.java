package io.spaceduck.storage.jdbc;

import io.spaceduck.conformance.StorageContract;
import io.spaceduck.storage.Storage;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Runs the storage conformance kit against {@link JdbcStorage} on MariaDb. Every store starts empty on
 * one shared namespace (see {@link SharedNamespace}); {@value TestDatabase#REQUIRE_ENV}=true makes a
 * missing database a failure instead of a skip.
 */
class MariaDbStorageContractTest extends StorageContract {
  private static SharedNamespace shared;

  @Override
  protected Storage newStorage() {
    synchronized (MariaDbStorageContractTest.class) {
      if (shared == null) {
        shared = new SharedNamespace(TestDatabase.MARIADB);
      }
    }
    return shared.openEmpty(JdbcOptions.defaults());
  }

  @AfterContainer
  static void dropNamespace() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }
}
