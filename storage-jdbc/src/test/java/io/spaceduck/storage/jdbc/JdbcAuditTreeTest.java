package io.spaceduck.storage.jdbc;

import static io.spaceduck.storage.jdbc.StoreChecks.assertChain;
import static io.spaceduck.storage.jdbc.StoreChecks.assertTree;
import static io.spaceduck.storage.jdbc.StoreChecks.draft;
import static io.spaceduck.storage.jdbc.StoreChecks.insertAudited;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.StorageException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The JDBC store keeps the audit tree's nodes in {@code sd_audit_tree} (issue 20; schema 4, and from
 * schema 5 every fourth level only): written with their events, backfilled for a log stored before
 * schema 4 (resumably, a chunk per transaction), caught up after events an engine of schema 3
 * appended, checked against the log on open, and kept through the upgrade from schema 4 to 5.
 */
@Tag("A3")
class JdbcAuditTreeTest {

  private static List<AuditDraft> drafts(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> draft("meta.set", "dk_actor", prefix + i)).toList();
  }

  private static void appendUnits(JdbcStorage s, String prefix, int units) {
    for (int u = 0; u < units; u++) {
      List<AuditDraft> unit = drafts(prefix + u + ".", 1 + u % 4);
      s.execute(tx -> {
        unit.forEach(tx::appendAudit);
        return null;
      });
    }
  }

  private static long treeSize(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tree_size FROM sd_audit_head WHERE id = 1")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long events(JdbcStorage s) {
    return s.auditHead().orElseThrow().seq();
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("A3 a log stored before schema 4 gets its tree on the next open; a backfill cut short resumes where it stopped")
  void schema3Log_isBackfilledResumably(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      long n;
      try (JdbcStorage s = JdbcStorage.open(new CountingDataSource(ns.url()))) {
        appendUnits(s, "a", 20);
        n = events(s);
      }
      try (Connection c = ns.admin()) {
        StoreChecks.backToSchema3(db, c);
      }
      // the schema migrated, then a backfill that stops after two chunks of five events (a crash)
      CountingDataSource ds = new CountingDataSource(ns.url());
      Dialect dialect = Dialect.ofUrl(ns.url()).orElseThrow();
      Schema.prepare(ds, dialect, true, "test");
      try (Connection c = ns.admin()) {
        assertEquals(0, treeSize(c), "schema 4 starts without a tree");
      }
      assertEquals(10, AuditTreeRows.backfill(ds, dialect, "test", 5, 2));
      try (Connection c = ns.admin()) {
        assertEquals(10, treeSize(c), "two chunks committed");
      }
      try (JdbcStorage s = JdbcStorage.open(ds)) {
        try (Connection c = ns.admin()) {
          assertEquals(n, treeSize(c), "the open finished the backfill");
        }
        List<AuditEvent> all = assertChain(s, (int) n); // every node of the tree against the events
        appendUnits(s, "b", 7);
        assertChain(s, (int) events(s));
        assertTrue(all.size() > 30);
      }
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("A3 events an engine of schema 3 appends without nodes are answered from the events, then caught up by the next append")
  void eventsOfASchema3Engine_areCaughtUp(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try (JdbcStorage s = JdbcStorage.open(new CountingDataSource(ns.url()))) {
      appendUnits(s, "a", 3);
      long before = events(s);
      List<AuditEvent> old;
      try (Connection c = ns.admin()) {
        old = StoreChecks.appendAsSchema3Engine(c, drafts("old", 13));
        assertEquals(before, treeSize(c), "the old engine wrote no nodes");
      }
      List<AuditEvent> all = new ArrayList<>(StoreChecks.allEvents(s));
      assertEquals(before + old.size(), all.size());
      assertTree(s, all); // nodes past the tree's size come from the events
      insertAudited(s, "after");
      try (Connection c = ns.admin()) {
        assertEquals(before + old.size() + 1, treeSize(c), "the append caught the tree up");
      }
      assertChain(s, (int) events(s));
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("A3 a store whose tree no longer meets its log where the head records it is refused on open")
  void aTreeThatDoesNotMatchItsLog_isRefusedOnOpen(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      try (JdbcStorage s = JdbcStorage.open(new CountingDataSource(ns.url()))) {
        appendUnits(s, "a", 12); // 3 × (1+2+3+4) = 30 events: one stored node, (4, 0)
        assertEquals(30, events(s));
        assertEquals(1, rows(ns, "lvl = 4"), "schema 5 stores levels 4, 8, …");
        assertEquals(0, rows(ns, "lvl <> 4"), "and no leaf, no level between");
      }
      // the newest node of a stored level rewritten
      tamper(db, ns, "UPDATE sd_audit_tree SET hash = " + hex(db, "11".repeat(32)) + " WHERE lvl = 4 AND idx = 0");
      StorageException rewritten = assertThrows(StorageException.class, () -> JdbcStorage.open(new CountingDataSource(ns.url())).close());
      assertTrue(rewritten.getMessage().contains(" is corrupt: its audit tree node (4, 0) is not the hash of the 16 events under it"),
          rewritten.getMessage());
      // ... or deleted
      tamper(db, ns, "DELETE FROM sd_audit_tree WHERE lvl = 4 AND idx = 0");
      StorageException deleted = assertThrows(StorageException.class, () -> JdbcStorage.open(new CountingDataSource(ns.url())).close());
      assertTrue(deleted.getMessage().contains(" is corrupt: its audit tree node (4, 0) is missing"), deleted.getMessage());
      // the newest events deleted and the head rewound, the tree left
      try (Connection c = ns.admin()) {
        SqlTamperTest.liftTriggers(db, c);
        try (Statement st = c.createStatement()) {
          st.executeUpdate("DELETE FROM sd_audit WHERE seq > 9");
        }
        AuditEvent ninth;
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT " + AuditRows.COLUMNS + " FROM sd_audit WHERE seq = 9")) {
          rs.next();
          ninth = AuditRows.read(rs);
        }
        SqlTamperTest.rewindHead(c, ninth);
        SqlTamperTest.restoreTriggers(db, c);
      }
      StorageException truncated = assertThrows(StorageException.class, () -> JdbcStorage.open(new CountingDataSource(ns.url())).close());
      assertTrue(truncated.getMessage().contains(" is corrupt: its audit tree holds 30 events but its audit log 9"),
          truncated.getMessage());
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("A3 a store of schema 4 (every level stored, the edge in the head row) keeps its tree through the upgrade to schema 5")
  void schema4Store_upgradesToSchema5(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      List<AuditEvent> before;
      try (JdbcStorage s = JdbcStorage.open(new CountingDataSource(ns.url()))) {
        appendUnits(s, "a", 30); // 75 events
        before = StoreChecks.allEvents(s);
      }
      try (Connection c = ns.admin()) {
        StoreChecks.backToSchema4(db, c, before);
        assertEquals(before.size() * 2L - Long.bitCount(before.size()), rows(ns, "lvl >= 0"), "schema 4 stores every node");
      }
      try (JdbcStorage s = JdbcStorage.open(new CountingDataSource(ns.url()))) {
        try (Connection c = ns.admin(); Statement st = c.createStatement()) {
          assertThrows(SQLException.class, () -> st.executeQuery("SELECT tree_edge FROM sd_audit_head").close(),
              "an engine of schema 4 still running fails on the dropped column");
        }
        assertChain(s, before.size()); // every node of the tree against the events
        appendUnits(s, "b", 20);
        List<AuditEvent> all = assertChain(s, (int) events(s));
        assertEquals(before, all.subList(0, before.size()));
      }
    } finally {
      db.drop(ns);
    }
  }

  private static void tamper(TestDatabase db, TestDatabase.Namespace ns, String sql) throws SQLException {
    try (Connection c = ns.admin()) {
      SqlTamperTest.liftTriggers(db, c);
      try (Statement st = c.createStatement()) {
        st.executeUpdate(sql);
      }
      SqlTamperTest.restoreTriggers(db, c);
    }
  }

  private static long rows(TestDatabase.Namespace ns, String where) throws SQLException {
    try (Connection c = ns.admin(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM sd_audit_tree WHERE " + where)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static String hex(TestDatabase db, String hex) {
    return db == TestDatabase.POSTGRES ? "decode('" + hex + "', 'hex')" : "X'" + hex + "'";
  }
}
