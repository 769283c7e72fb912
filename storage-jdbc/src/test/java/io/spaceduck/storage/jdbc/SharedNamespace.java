package io.spaceduck.storage.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One namespace and pool that a test class reuses for many stores: {@link #reset()} empties every
 * table (lifting the append-only triggers the way only a superuser can), so each store starts empty
 * without paying for a new schema.
 */
final class SharedNamespace implements AutoCloseable {
  final TestDatabase db;
  final TestDatabase.Namespace ns;
  final HikariDataSource pool;

  SharedNamespace(TestDatabase db) {
    this.db = db;
    this.ns = db.fresh();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(ns.url());
    config.setMaximumPoolSize(10);
    config.setMinimumIdle(2);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setPoolName("spaceduck-test-" + db.name().toLowerCase(java.util.Locale.ROOT));
    this.pool = new HikariDataSource(config);
    JdbcStorage.open(pool).close(); // creates the schema
  }

  /**
   * A store on the shared namespace, emptied first. Fails if a store opened here earlier still has its
   * commit thread (a closed store must write nothing more), or if the reset left a row behind.
   */
  JdbcStorage openEmpty(JdbcOptions options) {
    prepareEmpty();
    return JdbcStorage.open(pool, options);
  }

  /** Empties the namespace for a new store of the caller's (as {@link #openEmpty}, without opening one). */
  void prepareEmpty() {
    assertNoCommitterRunning();
    reset();
    assertEmpty();
  }

  /** The commit thread of a store on this namespace, named after its location, must be gone. */
  private void assertNoCommitterRunning() {
    String location = JdbcStorage.describe(ns.url());
    StoreChecks.commitThread(location).ifPresent(t -> {
      AssertionError e = new AssertionError("a closed store on " + location + " still has its commit thread " + t.getName()
          + " (interrupted: " + t.isInterrupted() + "); its stack is this error's");
      e.setStackTrace(t.getStackTrace());
      throw e;
    });
  }

  private void assertEmpty() {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      for (String t : Schema.expectedTables()) {
        if (t.equals("sd_audit_head")) {
          try (ResultSet rs = s.executeQuery("SELECT seq FROM sd_audit_head")) {
            if (!rs.next() || rs.getLong(1) != 0 || rs.next()) {
              throw new AssertionError("the reset of " + ns.url() + " left sd_audit_head not at seq 0");
            }
          }
        } else {
          try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + t)) {
            rs.next();
            if (rs.getLong(1) != 0) {
              throw new AssertionError("the reset of " + ns.url() + " left " + rs.getLong(1) + " rows in " + t);
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new AssertionError("cannot check the reset of " + ns.url(), e);
    }
  }

  void reset() {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      switch (db) {
        case POSTGRES -> s.execute("SET LOCAL session_replication_role = replica");
        case MARIADB -> {
          s.execute("TRUNCATE TABLE sd_audit");
          s.execute("TRUNCATE TABLE sd_audit_tree");
        }
        case H2 -> {
          s.execute("DROP TRIGGER IF EXISTS sd_audit_append_only");
          s.execute("DROP TRIGGER IF EXISTS sd_audit_tree_append_only");
        }
      }
      for (String t : Schema.expectedTables()) {
        if (!t.equals("sd_audit_head")) {
          s.execute("DELETE FROM " + t);
        }
      }
      s.execute("UPDATE sd_audit_head SET seq = 0, hash = " + zeroHash() + ", tree_size = 0");
      if (db == TestDatabase.H2) {
        s.execute("CREATE TRIGGER sd_audit_append_only BEFORE UPDATE, DELETE ON sd_audit FOR EACH ROW CALL '"
            + H2AppendOnlyTrigger.class.getName() + "'");
        s.execute("CREATE TRIGGER sd_audit_tree_append_only BEFORE UPDATE, DELETE ON sd_audit_tree FOR EACH ROW CALL '"
            + H2AppendOnlyTrigger.class.getName() + "'");
      }
      c.commit();
    } catch (SQLException e) {
      throw new AssertionError("cannot reset " + ns.url(), e);
    }
  }

  private String zeroHash() {
    return switch (db) {
      case POSTGRES -> "decode(repeat('00', 32), 'hex')";
      case MARIADB -> "UNHEX(REPEAT('00', 32))";
      case H2 -> "X'" + "00".repeat(32) + "'";
    };
  }


  @Override
  public void close() {
    pool.close();
    db.drop(ns);
  }
}
