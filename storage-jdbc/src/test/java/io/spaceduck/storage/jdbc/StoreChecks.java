package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Small units and checks the JDBC store tests share. */
final class StoreChecks {
  private StoreChecks() {}

  static final Instant T0 = Instant.parse("2026-11-22T10:00:00.123Z");

  static AuditDraft draft(String action, String actor, String resource) {
    return AuditDraft.of(action, actor, resource, Optional.of("dk_op"), T0, "0.1.0", ReasonCode.NONE, AuditOutcome.SUCCESS,
        Map.of("k", "v"));
  }

  /** The running commit thread of the store at {@code location} (its threads are named after it), if any. */
  static Optional<Thread> commitThread(String location) {
    String name = GroupCommitter.THREAD_NAME + " " + location;
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).findFirst();
  }

  /** One unit: inserts meta row {@code key} and appends one audit event naming it. */
  static void insertAudited(Storage s, String key) {
    s.execute(tx -> {
      tx.insert(Tables.META, new MetaRecord(key, "value of " + key));
      tx.appendAudit(draft("meta.set", "dk_actor", key));
      return null;
    });
  }

  /** Every event of the chain, read in pages. */
  static List<AuditEvent> allEvents(Storage s) {
    List<AuditEvent> out = new java.util.ArrayList<>();
    while (true) {
      List<AuditEvent> page = s.auditRange(out.size() + 1, 500);
      out.addAll(page);
      if (page.size() < 500) {
        return out;
      }
    }
  }

  /**
   * The chain holds exactly {@code n} events, {@code seq} 1..n without gap, ends at the store's head and
   * verifies (A3, A5). Returns the events.
   */
  static List<AuditEvent> assertChain(Storage s, int n) {
    List<AuditEvent> events = allEvents(s);
    assertEquals(n, events.size(), "audit events");
    for (int i = 0; i < n; i++) {
      assertEquals(i + 1, events.get(i).seq(), "seq at position " + i);
    }
    assertEquals(n == 0 ? Optional.empty() : Optional.of(events.get(n - 1).head()), s.auditHead(), "audit head");
    assertTrue(AuditChain.verify(events.iterator(), s.auditHead()).valid(), "the chain verifies");
    assertTree(s, events);
    return events;
  }

  /**
   * The store's audit tree nodes ({@link Storage#auditSubtree}) are those of {@code events} (issue 20):
   * every complete node of a log of up to {@value #TREE_CHECKED_IN_FULL} events, and for a longer one
   * the nodes its root is made of; a node not yet complete is empty.
   */
  static void assertTree(Storage s, List<AuditEvent> events) {
    long n = events.size();
    List<Hash> leaves = events.stream().map(e -> AuditTree.leafHash(e.hash())).toList();
    if (n <= TREE_CHECKED_IN_FULL) {
      List<Hash> level = leaves;
      for (int l = 0; !level.isEmpty(); l++) {
        List<Hash> up = new java.util.ArrayList<>();
        for (int i = 0; i < level.size(); i++) {
          assertEquals(Optional.of(level.get(i)), s.auditSubtree(l, i), "audit tree node (" + l + ", " + i + ") of " + n);
          if ((i & 1) == 1) {
            up.add(AuditTree.nodeHash(level.get(i - 1), level.get(i)));
          }
        }
        assertEquals(Optional.empty(), s.auditSubtree(l, level.size()), "audit tree node (" + l + ", " + level.size() + ") of " + n);
        level = up;
      }
    }
    AuditTree.Frontier f = new AuditTree.Frontier();
    events.forEach(e -> f.append(e.hash()));
    assertEquals(f.root(), AuditTree.root(n, (l, i) -> s.auditSubtree(l, i).orElseThrow(
        () -> new AssertionError("audit tree node (" + l + ", " + i + ") of " + n + " is missing"))), "audit tree root");
  }

  static final int TREE_CHECKED_IN_FULL = 600;

  /**
   * Turns a namespace back into what schema version 3 left (no audit tree), so that the next open
   * migrates it to versions 4 and 5 and backfills the tree.
   */
  static void backToSchema3(TestDatabase db, Connection c) throws SQLException {
    String q = db == TestDatabase.MARIADB ? "`" : "\"";
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE sd_audit_tree");
      if (db == TestDatabase.POSTGRES) {
        s.execute("DROP FUNCTION sd_refuse_tree_change()");
      }
      s.execute("ALTER TABLE sd_audit_head DROP COLUMN tree_size");
      s.execute("DELETE FROM " + q + "sd_schema_history" + q + " WHERE " + q + "version" + q + " IN ('4', '5')");
    }
  }

  /**
   * Turns a namespace of schema 5 back into what schema 4 left: every node of the tree over {@code
   * events} a row (leaves included), the head row's {@code tree_edge} column holding the tree's right
   * edge, and no version 5 in the history — so that the next open migrates it to version 5.
   */
  static void backToSchema4(TestDatabase db, Connection c, List<AuditEvent> events) throws SQLException {
    String q = db == TestDatabase.MARIADB ? "`" : "\"";
    List<Hash> hashes = events.stream().map(AuditEvent::hash).toList();
    List<io.spaceduck.storage.AuditTreeNodes.Node> all =
        io.spaceduck.storage.AuditTreeNodes.appended(0, hashes, AuditTreeRows.Tree.EMPTY.lookup());
    AuditTreeRows.Tree tree = AuditTreeRows.Tree.EMPTY.grow(hashes.size(), all);
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE sd_audit_head ADD tree_edge " + (db == TestDatabase.POSTGRES ? "BYTEA" : "VARBINARY(2048)"));
      s.execute("DELETE FROM " + q + "sd_schema_history" + q + " WHERE " + q + "version" + q + " = '5'");
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO sd_audit_tree (lvl, idx, hash) VALUES (?, ?, ?)")) {
      for (io.spaceduck.storage.AuditTreeNodes.Node n : all) {
        if (!AuditTreeRows.stored(n.level())) {
          ps.setShort(1, (short) n.level());
          ps.setLong(2, n.index());
          ps.setBytes(3, n.hash().toByteArray());
          ps.addBatch();
        }
      }
      ps.executeBatch();
    }
    java.io.ByteArrayOutputStream edge = new java.io.ByteArrayOutputStream();
    tree.edge().forEach(h -> edge.writeBytes(h.toByteArray()));
    try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit_head SET tree_edge = ? WHERE id = 1")) {
      ps.setBytes(1, edge.toByteArray());
      assertEquals(1, ps.executeUpdate());
    }
  }

  /**
   * Appends {@code drafts} as an engine of schema version 3 does: locks the head, inserts the events
   * and moves the head's seq and hash — no tree nodes, the tree's columns left as they were.
   */
  static List<AuditEvent> appendAsSchema3Engine(Connection c, List<AuditDraft> drafts) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      long seq;
      Hash prev;
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT seq, hash FROM sd_audit_head WHERE id = 1 FOR UPDATE")) {
        rs.next();
        seq = rs.getLong(1);
        prev = Hash.of(rs.getBytes(2));
      }
      List<AuditEvent> out = new java.util.ArrayList<>();
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO sd_audit (" + AuditRows.COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (AuditDraft d : drafts) {
          AuditEvent e = AuditChain.link(d, ++seq, prev);
          AuditRows.bind(ins, e);
          ins.executeUpdate();
          out.add(e);
          prev = e.hash();
        }
      }
      try (PreparedStatement up = c.prepareStatement("UPDATE sd_audit_head SET seq = ?, hash = ? WHERE id = 1")) {
        up.setLong(1, seq);
        up.setBytes(2, prev.toByteArray());
        assertEquals(1, up.executeUpdate());
      }
      c.commit();
      return out;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /** Meta row {@code key} exists at version 1 (inserted once, never rewritten). */
  static void assertInsertedOnce(Storage s, String key) {
    assertEquals(1, s.get(Tables.META, key).orElseThrow(() -> new AssertionError(key + " missing")).version(), key);
  }
}
