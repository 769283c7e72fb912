package io.spaceduck.storage.jdbc;

import java.util.Optional;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Skips a whole jqwik test class when its database is not configured or not reachable, with the
 * message {@link TestDatabase} gives — unless databases are required ({@value
 * TestDatabase#REQUIRE_ENV}{@code =true}), when the class runs and fails. Needed for the kit's
 * properties: an abort thrown inside a property's try counts as a rejected try in jqwik, so without
 * this hook a missing database would read as "exhausted after N tries" instead of a skip.
 */
abstract class SkipWithoutDatabase implements SkipExecutionHook {
  private final TestDatabase db;

  SkipWithoutDatabase(TestDatabase db) {
    this.db = db;
  }

  @Override
  public SkipResult shouldBeSkipped(LifecycleContext context) {
    Optional<String> why = db.skipReason();
    // surefire prints no reason for a skipped container: say it here, so the variable is named
    why.ifPresent(reason -> System.err.println(context.label() + ": " + reason));
    return why.map(SkipResult::skip).orElseGet(SkipResult::doNotSkip);
  }

  /** For PostgreSQL classes. */
  public static final class Postgres extends SkipWithoutDatabase {
    public Postgres() {
      super(TestDatabase.POSTGRES);
    }
  }

  /** For MariaDB classes. */
  public static final class MariaDb extends SkipWithoutDatabase {
    public MariaDb() {
      super(TestDatabase.MARIADB);
    }
  }
}
