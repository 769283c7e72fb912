package io.spaceduck.storage.jdbc;

import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

/**
 * Creates and migrates the schema with Flyway (history table {@value #HISTORY}), and refuses what is
 * not ours: tables named like ours without our history, or a schema newer than this engine knows.
 */
final class Schema {
  private Schema() {}

  /**
   * The schema version this engine writes: the highest {@code V<n>__} migration it ships, SQL or Java
   * ({@link IdentityBondLinkMigration} is version 3; version 4 adds the audit tree, {@code V4__audit_tree},
   * whose nodes for events stored before it {@link AuditTreeRows#backfill} writes when a store opens;
   * version 5, {@code V5__sparse_audit_tree}, stores only every fourth level and drops the head row's
   * {@code tree_edge}).
   */
  static final int VERSION = 5;

  /** Flyway's history table: our own name, so a host's Flyway history is never touched. */
  static final String HISTORY = "sd_schema_history";

  /** Tables outside {@link Tables#ALL} that the schema holds. */
  static final Set<String> OTHER_TABLES = Set.of("sd_audit", "sd_audit_head", "sd_audit_tree", "sd_pulses", "sd_pulse_latest");

  /**
   * @throws StorageException with a message that says what is wrong and what to do
   */
  static void prepare(DataSource dataSource, Dialect dialect, boolean migrate, String where) {
    // Instances starting together on an empty database race to create the history table; Flyway's
    // lock does not cover that on every dialect (H2). The loser fails once, then finds the schema made.
    for (int attempt = 1; ; attempt++) {
      try {
        prepareOnce(dataSource, dialect, migrate, where);
        return;
      } catch (MigrationRace race) {
        if (attempt == 5) {
          throw new StorageException(where + ": schema migration failed: " + race.getCause().getMessage(), race.getCause());
        }
        try {
          Thread.sleep(100L * attempt);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StorageException(where + ": interrupted while waiting for another instance's migration", e);
        }
      }
    }
  }

  /** A Flyway failure that another instance's concurrent migration may explain. */
  private static final class MigrationRace extends RuntimeException {
    MigrationRace(FlywayException cause) {
      super(cause);
    }
  }

  private static void prepareOnce(DataSource dataSource, Dialect dialect, boolean migrate, String where) {
    Set<String> present = tablesPresent(dataSource, where);
    boolean ours = present.contains(HISTORY);
    if (!ours) {
      Set<String> clash = new TreeSet<>(present);
      clash.retainAll(expectedTables());
      if (!clash.isEmpty()) {
        throw new StorageException(
            where + " is not a Space Duck database: it holds " + clash + " but no " + HISTORY
                + " table; point the store at an empty database or schema");
      }
      if (!migrate) {
        throw new StorageException(where + " has no Space Duck schema and migration is off (option migrate=false)");
      }
    }
    Flyway flyway =
        Flyway.configure(Schema.class.getClassLoader())
            .dataSource(dataSource)
            .locations(dialect.migrations())
            .javaMigrations(new IdentityBondLinkMigration(dialect))
            .table(HISTORY)
            .baselineOnMigrate(true) // a schema holding the host's own tables is fine
            .baselineVersion("0")
            .cleanDisabled(true)
            .load();
    try {
      MigrationVersion newest = null;
      for (MigrationInfo m : flyway.info().applied()) {
        if (m.getVersion() != null && (newest == null || m.getVersion().isNewerThan(newest.getVersion()))) {
          newest = m.getVersion();
        }
      }
      if (newest != null && newest.isNewerThan(Integer.toString(VERSION))) {
        throw new StorageException(
            where + " has schema version " + newest + ", newer than this engine knows (" + VERSION
                + "); upgrade the engine before opening this database");
      }
      if (migrate) {
        flyway.migrate();
      } else if (newest == null || !newest.equals(MigrationVersion.fromVersion(Integer.toString(VERSION)))) {
        throw new StorageException(
            where + " has schema version " + newest + ", this engine needs " + VERSION + " and migration is off (option migrate=false)");
      }
    } catch (FlywayException e) {
      throw new MigrationRace(e);
    }
    Set<String> after = tablesPresent(dataSource, where);
    Set<String> missing = new TreeSet<>(expectedTables());
    missing.removeAll(after);
    if (!missing.isEmpty()) {
      throw new StorageException(where + " lacks tables " + missing + " although its history says version " + VERSION);
    }
  }

  /** Every table of the schema (lower case), history excluded. */
  static Set<String> expectedTables() {
    Set<String> s = new TreeSet<>(OTHER_TABLES);
    for (Table<?> t : Tables.ALL) {
      s.add("sd_" + t.name());
    }
    return s;
  }

  /** The lower-case names of the tables in the connection's current schema (or catalog). */
  private static Set<String> tablesPresent(DataSource dataSource, String where) {
    try (Connection c = dataSource.getConnection()) {
      DatabaseMetaData md = c.getMetaData();
      String catalog = c.getCatalog();
      String schema = c.getSchema();
      Set<String> names = new TreeSet<>();
      try (ResultSet rs = md.getTables(catalog, schema, null, new String[] {"TABLE"})) {
        while (rs.next()) {
          String n = rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
          if (n.startsWith("sd_")) {
            names.add(n);
          }
        }
      }
      return names;
    } catch (SQLException e) {
      throw Text.failure("cannot read the schema of " + where, e);
    }
  }
}
