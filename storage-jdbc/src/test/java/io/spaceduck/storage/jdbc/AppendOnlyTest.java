package io.spaceduck.storage.jdbc;

import static io.spaceduck.storage.jdbc.StoreChecks.assertChain;
import static io.spaceduck.storage.jdbc.StoreChecks.draft;
import static io.spaceduck.storage.jdbc.StoreChecks.insertAudited;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.storage.AuditChain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The database itself keeps the audit chain append-only (A2) and linear (A5): plain SQL from a
 * privileged account — not through the engine — cannot update or delete events or audit tree nodes,
 * delete the head row, truncate (PostgreSQL), move the head or its tree backwards (PostgreSQL) or
 * insert a fork. Every refusal leaves
 * the chain exactly as it was, and the store appends after it as before.
 */
class AppendOnlyTest {
  /** Events of {@link #withChain}: enough for a stored audit tree node, (4, 0) (schema 5 stores levels 4, 8, …). */
  private static final int N = 17;

  /** A store with {@value #N} audited units; {@code test} gets it, the admin connection and the events. */
  private static void withChain(TestDatabase db, ChainTest test) throws Exception {
    TestDatabase.Namespace ns = db.fresh();
    try (JdbcStorage s = (JdbcStorage) new JdbcStorageProvider().open(ns.url(), Map.of())) {
      for (int k = 0; k < N; k++) {
        insertAudited(s, "k" + k);
      }
      List<AuditEvent> events = assertChain(s, N);
      try (Connection admin = ns.admin(); Statement sql = admin.createStatement()) {
        test.run(sql, admin, events);
      }
      assertEquals(events, assertChain(s, N), "the chain is exactly as it was");
      insertAudited(s, "after");
      assertEquals(events, assertChain(s, N + 1).subList(0, N), "the store appends after it as before");
    } finally {
      db.drop(ns);
    }
  }

  @FunctionalInterface
  private interface ChainTest {
    void run(Statement sql, Connection admin, List<AuditEvent> events) throws Exception;
  }

  private static void assertRefused(Statement sql, String statement) {
    SQLException e = assertThrows(SQLException.class, () -> sql.executeUpdate(statement), statement);
    assertTrue(e.getMessage().contains("refused") || e.getMessage().contains("only moves forward"), statement + ": " + e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A2")
  @DisplayName("A2 plain SQL UPDATE of audit events is refused by the database")
  void update_refused(TestDatabase db) throws Exception {
    withChain(db, (sql, admin, events) -> {
      assertRefused(sql, "UPDATE sd_audit SET ts_millis = ts_millis + 1 WHERE seq = 2");
      assertRefused(sql, "UPDATE sd_audit SET actor = resource");
      assertRefused(sql, "UPDATE sd_audit SET seq = seq + 100 WHERE seq = 3");
      assertRefused(sql, "UPDATE sd_audit_tree SET idx = idx + 100 WHERE lvl = 4"); // the audit tree's nodes too (issue 20)
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A2")
  @DisplayName("A2 plain SQL DELETE of audit events, or of the head row, is refused by the database")
  void delete_refused(TestDatabase db) throws Exception {
    withChain(db, (sql, admin, events) -> {
      assertRefused(sql, "DELETE FROM sd_audit WHERE seq = " + N); // the newest: would leave a shorter valid chain
      assertRefused(sql, "DELETE FROM sd_audit");
      assertRefused(sql, "DELETE FROM sd_audit_head");
      assertRefused(sql, "DELETE FROM sd_audit_tree WHERE lvl = 4 AND idx = 0");
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A5")
  @DisplayName("A5 an event forking the chain (a second successor of one event) is refused by UNIQUE(prev_hash)")
  void fork_refused(TestDatabase db) throws Exception {
    withChain(db, (sql, admin, events) -> {
      // a well-formed event at the free seq N + 1 whose predecessor is event 2, which already has one
      AuditEvent fork = AuditChain.link(draft("meta.set", "dk_mallory", "fork"), N + 1, events.get(1).hash());
      try (PreparedStatement ps =
          admin.prepareStatement("INSERT INTO sd_audit (" + AuditRows.COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        AuditRows.bind(ps, fork);
        assertThrows(SQLException.class, ps::executeUpdate);
      }
    });
  }

  @Test
  @Tag("A2")
  @DisplayName("A2 PostgreSQL: TRUNCATE of the audit table or of the head is refused")
  void postgres_truncate_refused() throws Exception {
    withChain(TestDatabase.POSTGRES, (sql, admin, events) -> {
      assertRefused(sql, "TRUNCATE sd_audit");
      assertRefused(sql, "TRUNCATE sd_audit_head");
      assertRefused(sql, "TRUNCATE sd_audit, sd_audit_head");
      assertRefused(sql, "TRUNCATE sd_audit_tree");
    });
  }

  @Test
  @Tag("A5")
  @DisplayName("A5 PostgreSQL: the head cannot move backwards")
  void postgres_headRewind_refused() throws Exception {
    withChain(TestDatabase.POSTGRES, (sql, admin, events) -> {
      try (PreparedStatement ps = admin.prepareStatement("UPDATE sd_audit_head SET seq = ?, hash = ? WHERE id = 1")) {
        for (AuditEvent e : events.subList(0, 2)) { // back to event 2, then to event 1: a consistent but older head
          ps.setLong(1, e.seq());
          ps.setBytes(2, e.hash().toByteArray());
          SQLException x = assertThrows(SQLException.class, ps::executeUpdate);
          assertTrue(x.getMessage().contains("only moves forward"), x.getMessage());
        }
        ps.setLong(1, 0);
        ps.setBytes(2, new byte[32]);
        assertThrows(SQLException.class, ps::executeUpdate, "back to the empty chain");
      }
      // nor can the audit tree it records (issue 20)
      SQLException x = assertThrows(SQLException.class, () -> sql.executeUpdate("UPDATE sd_audit_head SET tree_size = 2"));
      assertTrue(x.getMessage().contains("only moves forward"), x.getMessage());
    });
  }
}
