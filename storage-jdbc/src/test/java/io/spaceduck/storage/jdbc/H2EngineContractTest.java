package io.spaceduck.storage.jdbc;

import io.spaceduck.conformance.EngineContract;
import io.spaceduck.storage.Storage;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Runs the engine conformance kit on {@link JdbcStorage} over H2: every chain's store starts empty
 * on one shared namespace (see {@link SharedNamespace}); {@value TestDatabase#REQUIRE_ENV}=true makes
 * a missing database a failure instead of a skip.
 */
class H2EngineContractTest extends EngineContract {
  private static SharedNamespace shared;

  @Override
  protected Storage newStorage() {
    synchronized (H2EngineContractTest.class) {
      if (shared == null) {
        shared = new SharedNamespace(TestDatabase.H2);
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
