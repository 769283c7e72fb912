package io.spaceduck.storage.jdbc;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;

/**
 * What differs between the databases the JDBC store supports: migrations, the row-lock clause of a
 * read condition, the insert that ignores an existing key, and how errors are classified.
 */
enum Dialect {
  POSTGRESQL(
      "postgresql",
      " FOR SHARE",
      "INSERT INTO sd_pulse_latest (agent, at_key, v) VALUES (?, ?, ?) ON CONFLICT (agent) DO UPDATE"
          + " SET at_key = EXCLUDED.at_key, v = EXCLUDED.v WHERE EXCLUDED.at_key >= sd_pulse_latest.at_key"),
  // Assignments run left to right and see earlier ones: v first, at_key last.
  MARIADB(
      "mariadb",
      " LOCK IN SHARE MODE",
      "INSERT INTO sd_pulse_latest (agent, at_key, v) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE"
          + " v = IF(VALUES(at_key) >= at_key, VALUES(v), v), at_key = GREATEST(at_key, VALUES(at_key))"),
  // H2 runs in one process (one store per database file): a MERGE is enough.
  H2(
      "h2",
      " FOR UPDATE",
      "MERGE INTO sd_pulse_latest t USING (VALUES (CAST(? AS VARBINARY(512)), CAST(? AS DECIMAL(30, 0)),"
          + " CAST(? AS VARBINARY(1000000)))) AS s(agent, at_key, v) ON t.agent = s.agent"
          + " WHEN MATCHED AND s.at_key >= t.at_key THEN UPDATE SET at_key = s.at_key, v = s.v"
          + " WHEN NOT MATCHED THEN INSERT (agent, at_key, v) VALUES (s.agent, s.at_key, s.v)");

  private final String folder;
  private final String shareLock;
  private final String upsertLatestPulse;

  Dialect(String folder, String shareLock, String upsertLatestPulse) {
    this.folder = folder;
    this.shareLock = shareLock;
    this.upsertLatestPulse = upsertLatestPulse;
  }

  /** The Flyway location of this dialect's migrations. */
  String migrations() {
    return "classpath:io/spaceduck/storage/jdbc/migration/" + folder;
  }

  /** Appended to a read condition's SELECT: keeps the row unchanged until this transaction ends. */
  String shareLock() {
    return shareLock;
  }

  /**
   * Makes a pulse the agent's latest unless a newer one is stored (parameters: agent, at_key, v).
   * Equal instants replace: the later recorded wins, as in the reference store.
   */
  String upsertLatestPulse() {
    return upsertLatestPulse;
  }

  /** The dialect of a JDBC URL, if it is one we support. */
  static Optional<Dialect> ofUrl(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:postgresql:")) {
      return Optional.of(POSTGRESQL);
    }
    if (u.startsWith("jdbc:mariadb:") || u.startsWith("jdbc:mysql:")) {
      return Optional.of(MARIADB);
    }
    if (u.startsWith("jdbc:h2:")) {
      return Optional.of(H2);
    }
    return Optional.empty();
  }

  /** The dialect of a connected database's product name. */
  static Optional<Dialect> ofProduct(String product) {
    String p = product.toLowerCase(Locale.ROOT);
    if (p.contains("postgresql")) {
      return Optional.of(POSTGRESQL);
    }
    if (p.contains("mariadb") || p.contains("mysql")) {
      return Optional.of(MARIADB);
    }
    if (p.equals("h2")) {
      return Optional.of(H2);
    }
    return Optional.empty();
  }

  /**
   * Statements that bound how long the current transaction waits for a row lock, run first in it;
   * empty where the database's default is bounded already (MariaDB: {@code innodb_lock_wait_timeout},
   * 50 s; H2: its lock timeout). PostgreSQL waits forever by default.
   */
  java.util.List<String> boundLockWait() {
    return this == POSTGRESQL ? java.util.List.of("SET LOCAL lock_timeout = '10s'") : java.util.List.of();
  }

  /** A unique or primary-key violation: the unit lost a race for a key (a conflict, not a failure). */
  boolean isUniqueViolation(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      String state = x.getSQLState();
      if ("23505".equals(state)) { // PostgreSQL, H2
        return true;
      }
      if (this == MARIADB && x.getErrorCode() == 1062) { // ER_DUP_ENTRY (state 23000)
        return true;
      }
      if (x.getCause() instanceof SQLException c && c != x && isUniqueViolation(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A transient failure after which the same transaction may succeed if run again: serialization
   * failure, deadlock, lock wait timeout.
   */
  boolean isRetryable(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      String state = x.getSQLState();
      if (state != null && (state.equals("40001") || state.equals("40P01") || state.equals("HYT00") || state.equals("55P03"))) {
        return true;
      }
      if (this == MARIADB && (x.getErrorCode() == 1213 || x.getErrorCode() == 1205)) { // deadlock, lock wait timeout
        return true;
      }
      if (this == H2 && (x.getErrorCode() == 40001 || x.getErrorCode() == 50200)) { // deadlock, lock timeout
        return true;
      }
      if (x.getCause() instanceof SQLException c && c != x && isRetryable(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The connection no longer reaches a writable primary: it broke (SQLSTATE class {@code 08}, the
   * server shut down or restarted: {@code 57P01}–{@code 57P03}), or the node it reaches refuses writes
   * because it is a standby now ({@code 25006}, after a failover demoted it). A statement that failed
   * so before the commit was rolled back by the server and may run again on a new connection; a
   * commit that failed so may or may not have taken effect.
   */
  static boolean isConnectionLoss(SQLException e) {
    return isBroken(e) || isReadOnly(e);
  }

  /** SQLSTATE {@code 25006} anywhere in the chain: a write sent to a read-only node (a standby). */
  static boolean isReadOnly(SQLException e) {
    for (Throwable x = e; x != null; x = x.getCause()) {
      for (SQLException s = x instanceof SQLException q ? q : null; s != null; s = s.getNextException()) {
        if ("25006".equals(s.getSQLState())) {
          return true;
        }
      }
      if (x.getCause() == x) {
        break;
      }
    }
    return false;
  }

  /** The connection broke: whether a commit in flight took effect is unknown. */
  private static boolean isBroken(SQLException e) {
    for (Throwable x = e; x != null; x = x.getCause()) {
      if (x instanceof SQLException s) {
        String state = s.getSQLState();
        if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"))) {
          return true;
        }
        if (x instanceof java.sql.SQLNonTransientConnectionException || x instanceof java.sql.SQLTransientConnectionException
            || x instanceof java.sql.SQLRecoverableException) {
          return true;
        }
      }
      if (x.getCause() == x) {
        break;
      }
    }
    return false;
  }
}
