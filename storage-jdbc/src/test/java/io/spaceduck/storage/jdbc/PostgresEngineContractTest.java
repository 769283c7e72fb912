package io.spaceduck.storage.jdbc;

import io.spaceduck.conformance.EngineContract;
import io.spaceduck.storage.Storage;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Runs the engine conformance kit on {@link JdbcStorage} over PostgreSQL: every chain's store starts empty
 * on one shared namespace (see {@link SharedNamespace}); {@value TestDatabase#REQUIRE_ENV}=true makes
 * a missing database a failure instead of a skip. Every call is a round trip to the server, so
 * CI runs half the declared chains (the release run scales them all up, see docs/conformance.md).
 */
@AddLifecycleHook(SkipWithoutDatabase.Postgres.class)
class PostgresEngineContractTest extends EngineContract {
  private static SharedNamespace shared;

  @Override
  protected Storage newStorage() {
    synchronized (PostgresEngineContractTest.class) {
      if (shared == null) {
        shared = new SharedNamespace(TestDatabase.POSTGRES);
      }
    }
    return shared.openEmpty(JdbcOptions.defaults());
  }

  @Override
  protected int triesPercent() {
    return 50;
  }

  @AfterContainer
  static void dropNamespace() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }
}
