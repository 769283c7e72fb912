package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.AuditChain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A3 on a real database: someone with SQL access who can lift the append-only triggers (a superuser,
 * the schema owner) changes, deletes, swaps or truncates audit rows with plain SQL; {@code verifyAudit}
 * names the first broken {@code seq}. A rewrite that recomputes every hash from the tampered row on is
 * caught only against a head kept elsewhere (an anchored head), which is why the docs say to anchor it.
 */
class SqlTamperTest {
  @TempDir Path dir;

  /** A fresh engine with 12+ events; runs {@code tamper} with the triggers lifted; returns what verify says. */
  private interface Tamper {
    void apply(Connection c, List<AuditEvent> events) throws SQLException;
  }

  private record Outcome(AuditVerification plain, AuditVerification anchored, AuditHead anchor) {}

  private Outcome run(TestDatabase db, Tamper tamper) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try (EngineInstance e = new EngineInstance(ns.url(), dir.resolve("kek-" + ns.name() + ".json"), EngineInstance.mailbox())) {
      BeakKey admin = e.bootstrap().key().key();
      BeakKey op = e.operator(admin, "Olive");
      for (int i = 0; i < 8; i++) {
        var b = e.engine.bonds().bond(op, "agent-" + i, Tier.T1);
        e.engine.keys().rotate(op, b.key().info().id());
      }
      e.engine.keys().revoke(admin, e.engine.authenticate(op).keyId(), ReasonCode.COMPROMISED);
      AuditHead anchor = e.storage.auditHead().orElseThrow();
      assertTrue(anchor.seq() > 1 << AuditTreeRows.STRIDE, "enough events to tamper with, and a stored tree node (4, 0)");
      assertTrue(e.engine.audit().verify(admin).valid());
      List<AuditEvent> events = e.storage.auditRange(1, 1000);
      try (Connection c = ns.admin()) {
        assertThrows(SQLException.class, () -> update(c, "UPDATE sd_audit SET ts_millis = 0 WHERE seq = 3"), "triggers refuse while on");
        liftTriggers(db, c);
        tamper.apply(c, events);
        restoreTriggers(db, c);
      }
      return new Outcome(e.engine.audit().verify(admin), e.engine.audit().verify(admin, anchor), anchor);
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A3")
  void changedFieldIsNamed(TestDatabase db) throws SQLException {
    Outcome o = run(db, (c, ev) -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit SET actor = ? WHERE seq = 5")) {
        ps.setBytes(1, "dk_someoneelse".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, ps.executeUpdate());
      }
    });
    assertBrokenAt(o.plain(), 5);
    assertBrokenAt(o.anchored(), 5);
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A3")
  void deletedRowIsNamed(TestDatabase db) throws SQLException {
    Outcome o = run(db, (c, ev) -> update(c, "DELETE FROM sd_audit WHERE seq = 7"));
    assertBrokenAt(o.plain(), 7);
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A3")
  void swappedRowsAreNamed(TestDatabase db) throws SQLException {
    Outcome o = run(db, (c, ev) -> {
      // the rows of seq 4 and 9 trade places (everything but their seq moves)
      update(c, "UPDATE sd_audit SET seq = 1000004 WHERE seq = 4");
      update(c, "UPDATE sd_audit SET seq = 4 WHERE seq = 9");
      update(c, "UPDATE sd_audit SET seq = 9 WHERE seq = 1000004");
    });
    assertBrokenAt(o.plain(), 4);
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A3")
  void truncatedTailIsNamed(TestDatabase db) throws SQLException {
    // the tail deleted, the head row left: the store's own head exposes it
    Outcome kept = run(db, (c, ev) -> update(c, "DELETE FROM sd_audit WHERE seq >= 10"));
    assertBrokenAt(kept.plain(), 10);
    // the tail deleted and the head row rewound too: only an anchored head exposes it
    Outcome rewound = run(db, (c, ev) -> {
      update(c, "DELETE FROM sd_audit WHERE seq >= 10");
      rewindHead(c, ev.get(8));
    });
    assertTrue(rewound.plain().valid(), "a consistent prefix verifies on its own");
    assertBrokenAt(rewound.anchored(), 10);
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A3")
  void rewriteWithRecomputedHashesNeedsAnAnchor(TestDatabase db) throws SQLException {
    // an attacker who knows the format changes seq 6 and re-links everything after it: the audit tree's
    // stored node (4, 0) over events 1-16 (schema 5) still holds the old hashes, which verify reports
    Outcome lazy = run(db, (c, ev) -> relinkFrom6(c, ev));
    assertFalse(lazy.plain().valid(), "the tree nodes give the re-link away");
    assertTrue(lazy.plain().problem().orElse("").contains("audit tree nodes do not match its events"), lazy.plain().problem().orElse(""));
    // one who rebuilds the tree too leaves a self-consistent store: only the anchored head exposes it
    Outcome o = run(db, (c, ev) -> rebuildTree(c, relinkFrom6(c, ev)));
    assertTrue(o.plain().valid(), "a full re-link, tree included, is self-consistent");
    assertFalse(o.anchored().valid());
    assertEquals(o.anchor().seq(), o.anchored().firstBrokenSeq().orElseThrow(), "the anchored head no longer matches");
  }

  /** Changes the actor of seq 6, re-links every later event and rewinds the head to the last; returns the new log. */
  private static List<AuditEvent> relinkFrom6(Connection c, List<AuditEvent> ev) throws SQLException {
    List<AuditEvent> out = new java.util.ArrayList<>(ev.subList(0, 5));
    io.spaceduck.api.Hash prev = ev.get(4).hash();
    AuditEvent last = null;
    for (AuditEvent e : ev.subList(5, ev.size())) {
      AuditEvent forged = AuditChain.link(
          AuditChain.draftOf(e.seq() == 6 ? withActor(e, "dk_forged") : e), e.seq(), prev);
      try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?")) {
        ps.setBytes(1, forged.actor().getBytes(StandardCharsets.UTF_8));
        ps.setBytes(2, forged.prevHash().toByteArray());
        ps.setBytes(3, forged.hash().toByteArray());
        ps.setLong(4, e.seq());
        assertEquals(1, ps.executeUpdate());
      }
      prev = forged.hash();
      last = forged;
      out.add(forged);
    }
    rewindHead(c, last);
    return out;
  }

  /**
   * What a thorough attacker does after rewriting the log (triggers lifted): replaces the audit tree's
   * nodes by those of {@code events} and records that tree in the head row.
   */
  static void rebuildTree(Connection c, List<AuditEvent> events) throws SQLException {
    update(c, "DELETE FROM sd_audit_tree");
    List<io.spaceduck.api.Hash> hashes = events.stream().map(AuditEvent::hash).toList();
    List<io.spaceduck.storage.AuditTreeNodes.Node> nodes =
        io.spaceduck.storage.AuditTreeNodes.appended(0, hashes, AuditTreeRows.Tree.EMPTY.lookup());
    AuditTreeRows.insert(c, Dialect.ofUrl(c.getMetaData().getURL()).orElseThrow(), nodes);
    AuditTreeRows.Tree tree = AuditTreeRows.Tree.EMPTY.grow(hashes.size(), nodes);
    try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit_head SET tree_size = ? WHERE id = 1")) {
      ps.setLong(1, tree.size());
      assertEquals(1, ps.executeUpdate());
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A3")
  void duplicateDetailKeyIsNamed(TestDatabase db) throws SQLException {
    // a forged value for a detail key, stored before the real one: a reader that takes the first
    // sees the forgery, a decoder that keeps the last would hash the real event and verify it
    long[] at = new long[1];
    Outcome o = run(db, (c, ev) -> {
      AuditEvent e = firstWithDetails(ev, 1);
      at[0] = e.seq();
      List<String[]> d = detailList(e);
      d.add(0, new String[] {d.get(0)[0], "forged"});
      setDetails(c, e.seq(), d);
    });
    assertBrokenAt(o.plain(), at[0]);
    assertBrokenAt(o.anchored(), at[0]);
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A3")
  void detailKeysOutOfOrderAreNamed(TestDatabase db) throws SQLException {
    long[] at = new long[1];
    Outcome o = run(db, (c, ev) -> {
      AuditEvent e = firstWithDetails(ev, 2);
      at[0] = e.seq();
      List<String[]> d = detailList(e);
      d.add(d.remove(0));
      setDetails(c, e.seq(), d);
    });
    assertBrokenAt(o.plain(), at[0]);
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A3")
  void overlongUtf8IsNamedNotUnavailable(TestDatabase db) throws SQLException {
    // "dk_…" with its 'd' in a 2-byte over-long form: a lax decoder reads the same text
    Outcome o = run(db, (c, ev) -> {
      byte[] actor = ev.get(5).actor().getBytes(StandardCharsets.UTF_8);
      byte[] overlong = new byte[actor.length + 1];
      overlong[0] = (byte) (0xC0 | (actor[0] >> 6));
      overlong[1] = (byte) (0x80 | (actor[0] & 0x3F));
      System.arraycopy(actor, 1, overlong, 2, actor.length - 1);
      try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit SET actor = ? WHERE seq = 6")) {
        ps.setBytes(1, overlong);
        assertEquals(1, ps.executeUpdate());
      }
    });
    assertBrokenAt(o.plain(), 6);
    assertBrokenAt(o.anchored(), 6);
  }

  private static AuditEvent firstWithDetails(List<AuditEvent> events, int atLeast) {
    return events.stream().filter(e -> e.seq() > 1 && e.details().size() >= atLeast).findFirst().orElseThrow();
  }

  private static List<String[]> detailList(AuditEvent e) {
    List<String[]> d = new java.util.ArrayList<>();
    e.details().forEach((k, v) -> d.add(new String[] {k, v}));
    return d;
  }

  /** Writes {@code details} in the column's format (u32 n, then length-prefixed UTF-8 pairs), in list order. */
  private static void setDetails(Connection c, long seq, List<String[]> details) throws SQLException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(details.size()).array());
    for (String[] kv : details) {
      for (String s : kv) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(b.length).array());
        out.writeBytes(b);
      }
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit SET details = ? WHERE seq = ?")) {
      ps.setBytes(1, out.toByteArray());
      ps.setLong(2, seq);
      assertEquals(1, ps.executeUpdate());
    }
  }

  private static AuditEvent withActor(AuditEvent e, String actor) {
    return new AuditEvent(e.seq(), e.action(), actor, e.resource(), e.scope(), e.timestamp(), e.engineVersion(), e.reason(),
        e.outcome(), e.details(), e.prevHash(), e.hash());
  }

  private static void assertBrokenAt(AuditVerification v, long seq) {
    assertFalse(v.valid(), "tampering went unnoticed");
    assertEquals(seq, v.firstBrokenSeq().orElseThrow(), v.problem().orElse(""));
  }

  private static void update(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  static void rewindHead(Connection c, AuditEvent newest) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit_head SET seq = ?, hash = ? WHERE id = 1")) {
      ps.setLong(1, newest.seq());
      ps.setBytes(2, newest.hash().toByteArray());
      assertEquals(1, ps.executeUpdate());
    }
  }

  /** What only a superuser or the schema owner can do. */
  static void liftTriggers(TestDatabase db, Connection c) throws SQLException {
    switch (db) {
      case POSTGRES -> update(c, "SET session_replication_role = replica");
      case MARIADB -> {
        for (String t : List.of("sd_audit_no_update", "sd_audit_no_delete", "sd_audit_tree_no_update", "sd_audit_tree_no_delete")) {
          update(c, "DROP TRIGGER " + t);
        }
      }
      case H2 -> {
        update(c, "DROP TRIGGER sd_audit_append_only");
        update(c, "DROP TRIGGER sd_audit_tree_append_only");
      }
    }
  }

  static void restoreTriggers(TestDatabase db, Connection c) throws SQLException {
    switch (db) {
      case POSTGRES -> update(c, "SET session_replication_role = origin");
      case MARIADB -> {
        update(c, "CREATE TRIGGER sd_audit_no_update BEFORE UPDATE ON sd_audit FOR EACH ROW"
            + " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sd_audit is append-only: UPDATE refused'");
        update(c, "CREATE TRIGGER sd_audit_no_delete BEFORE DELETE ON sd_audit FOR EACH ROW"
            + " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sd_audit is append-only: DELETE refused'");
        update(c, "CREATE TRIGGER sd_audit_tree_no_update BEFORE UPDATE ON sd_audit_tree FOR EACH ROW"
            + " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sd_audit_tree is append-only: UPDATE refused'");
        update(c, "CREATE TRIGGER sd_audit_tree_no_delete BEFORE DELETE ON sd_audit_tree FOR EACH ROW"
            + " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sd_audit_tree is append-only: DELETE refused'");
      }
      case H2 -> {
        update(c, "CREATE TRIGGER sd_audit_append_only BEFORE UPDATE, DELETE ON sd_audit FOR EACH ROW CALL '"
            + H2AppendOnlyTrigger.class.getName() + "'");
        update(c, "CREATE TRIGGER sd_audit_tree_append_only BEFORE UPDATE, DELETE ON sd_audit_tree FOR EACH ROW CALL '"
            + H2AppendOnlyTrigger.class.getName() + "'");
      }
    }
  }
}
