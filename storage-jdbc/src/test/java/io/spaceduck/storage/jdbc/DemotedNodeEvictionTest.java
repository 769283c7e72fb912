package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride.Override;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A pooled connection that reaches a node that is no longer a writable primary — or no node at all —
 * is dropped from the pool, never lent out again (issue 21).
 */
class DemotedNodeEvictionTest {
  private final DemotedNodeEviction eviction = new DemotedNodeEviction();

  @Test
  void aReadOnlyNodeOrABrokenConnectionIsEvictedOtherFailuresAreLeftToHikari() {
    assertEquals(Override.MUST_EVICT, eviction.adjudicate(new SQLException("cannot execute INSERT in a read-only transaction", "25006")));
    assertEquals(Override.MUST_EVICT, eviction.adjudicate(new SQLException("wrapped", "XX000", new SQLException("read only", "25006"))));
    SQLException batch = new SQLException("batch entry failed", "42000");
    batch.setNextException(new SQLException("read only", "25006"));
    assertEquals(Override.MUST_EVICT, eviction.adjudicate(batch), "a batch's next exception counts");
    assertEquals(Override.MUST_EVICT, eviction.adjudicate(new SQLException("An I/O error occurred", "08006")));
    assertEquals(Override.MUST_EVICT, eviction.adjudicate(new SQLException("terminating connection due to administrator command", "57P01")));
    assertEquals(Override.MUST_EVICT, eviction.adjudicate(new SQLTransientConnectionException("no connection")));
    assertEquals(Override.CONTINUE_EVICT, eviction.adjudicate(new SQLException("duplicate key", "23505")));
    assertEquals(Override.CONTINUE_EVICT, eviction.adjudicate(new SQLException("could not serialize", "40001")));
    assertEquals(Override.CONTINUE_EVICT, eviction.adjudicate(new SQLException("lock timeout", "55P03")));
    assertTrue(Dialect.isConnectionLoss(new SQLException("read only", "25006")), "the committer retries it on a new connection");
    assertFalse(Dialect.isConnectionLoss(new SQLException("duplicate key", "23505")));
  }

  /** On PostgreSQL: a session that became read-only (as a demoted node's would) is evicted at its first refused write. */
  @Test
  void onPostgresAConnectionRefusedWithReadOnlyLeavesThePool() throws Exception {
    TestDatabase.Namespace ns = TestDatabase.POSTGRES.fresh();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(ns.url());
    config.setMaximumPoolSize(1); // one physical connection: the next borrower would get the same one back
    config.setExceptionOverride(new DemotedNodeEviction());
    try (HikariDataSource pool = new HikariDataSource(config)) {
      int firstPid;
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        firstPid = pid(s);
        s.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        SQLException e = assertThrows(SQLException.class, () -> s.execute("CREATE TABLE refused (i int)"));
        assertEquals("25006", e.getSQLState());
        assertTrue(c.isClosed(), "the pool took the connection back as broken");
      }
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        assertNotEquals(firstPid, pid(s), "a new physical connection");
        s.execute("CREATE TABLE accepted (i int)");
      }
    } finally {
      TestDatabase.POSTGRES.drop(ns);
    }
  }

  private static int pid(Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
