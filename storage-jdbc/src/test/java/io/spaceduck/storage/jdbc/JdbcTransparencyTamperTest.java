package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unavailable;
import io.spaceduck.api.spi.CheckpointKeeper;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.core.DevelopmentKek;
import io.spaceduck.core.OfflineAuditVerifier;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tamper scenarios of issue 20 on a real database, by someone with SQL access who can lift the
 * append-only triggers and edits the store consistently — events, audit tree nodes ({@code
 * sd_audit_tree}) and the head row alike, so that the store itself opens: the engine's checkpoint
 * keeper (a file outside the database) or the witnesses it sent checkpoints to catch it.
 *
 * <ul>
 *   <li>the newest events removed and the head rewound: the next open refuses, naming the keeper;
 *   <li>the database replaced by another history whose checkpoints another key signs: refused;
 *   <li>a fork (the log cut back and grown again otherwise) shown to two witnesses: each refuses the
 *       branch it did not see with {@link Conflict}.
 * </ul>
 */
@Tag("A3")
class JdbcTransparencyTamperTest {
  @TempDir Path dir;

  private static final Clock CLOCK = Clock.fixed(EngineInstance.NOW, ZoneOffset.UTC);

  private SpaceDuck engine(JdbcStorage storage, KekSource kek, @Nullable CheckpointKeeper keeper, @Nullable String origin) {
    var b = SpaceDuck.builder()
        .storage(storage)
        .kek(kek)
        .clock(CLOCK)
        .humanCheck((token, source) -> true)
        .verificationDelivery((email, hatch, code, expires) -> {})
        .rateLimits(RateLimits.uniform(new RateLimits.Bucket(10_000_000, 10_000_000)));
    if (keeper != null) {
      b.checkpointKeeper(keeper);
    }
    if (origin != null) {
      b.checkpointOrigin(origin);
    }
    return b.build();
  }

  private static JdbcStorage store(String url) {
    return (JdbcStorage) new JdbcStorageProvider().open(url, Map.of());
  }

  /** Opens an engine on {@code url} and expects it refused; returns the refusal. */
  private Unavailable refusedOpen(String url, KekSource kek, CheckpointKeeper keeper, @Nullable String origin) {
    JdbcStorage s = store(url);
    try {
      return assertThrows(Unavailable.class, () -> engine(s, kek, keeper, origin).close());
    } finally {
      s.close();
    }
  }

  /** An admin, {@code bonds} bonds and a checkpoint asked for; returns the admin's key and the checkpoint. */
  private record Populated(BeakKey admin, SignedCheckpoint checkpoint) {}

  private static Populated populate(SpaceDuck duck, BeakKey admin, String prefix, int bonds) {
    if (admin == null) {
      admin = duck.admin().bootstrap("Ada", EngineInstance.uniqueEmail()).key().key();
    }
    for (int i = 0; i < bonds; i++) {
      duck.bonds().bond(admin, prefix + i, Tier.T1);
    }
    return new Populated(admin, duck.audit().checkpoint(admin));
  }

  /** The events of the store up to {@code keep}, read directly. */
  private static List<AuditEvent> events(String url, long keep) {
    try (JdbcStorage s = store(url)) {
      return s.auditRange(1, (int) keep);
    }
  }

  /**
   * Cuts the log back to its first {@code keep} events as a thorough attacker does: deletes the newer
   * events, replaces the audit tree by that of the kept events and rewinds the head to the last kept.
   */
  private static void cutBack(TestDatabase db, TestDatabase.Namespace ns, long keep) throws SQLException {
    List<AuditEvent> kept = events(ns.url(), keep);
    assertEquals(keep, kept.size());
    try (Connection c = ns.admin()) {
      SqlTamperTest.liftTriggers(db, c);
      try (Statement st = c.createStatement()) {
        st.executeUpdate("DELETE FROM sd_audit WHERE seq > " + keep);
      }
      SqlTamperTest.rebuildTree(c, kept);
      SqlTamperTest.rewindHead(c, kept.get(kept.size() - 1));
      SqlTamperTest.restoreTriggers(db, c);
    }
    try (JdbcStorage s = store(ns.url())) { // the store itself opens: the edit is consistent
      assertEquals(keep, s.auditHead().orElseThrow().seq());
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aLogCutBackWithItsHeadAndTreeRewound_isRefusedOnTheNextOpen(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      KekSource kek = DevelopmentKek.fromFile(dir.resolve("kek.json"));
      Path keptFile = dir.resolve("duck.checkpoint");
      CheckpointKeeper keeper = CheckpointKeeper.file(keptFile);
      long size;
      try (SpaceDuck duck = engine(store(ns.url()), kek, keeper, null)) {
        populate(duck, null, "scout", 3);
      }
      try (JdbcStorage s = store(ns.url())) { // closing the engine kept a checkpoint of all of it
        size = s.auditHead().orElseThrow().seq();
      }
      long keep = size - 2;
      cutBack(db, ns, keep);
      Unavailable refused = refusedOpen(ns.url(), kek, keeper, null);
      assertTrue(refused.getMessage().contains("holds " + keep + " audit events but the checkpoint kept in")
          && refused.getMessage().contains(keptFile.getFileName().toString())
          && refused.getMessage().contains("has " + size)
          && refused.getMessage().contains("truncated"), refused.getMessage());
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aDatabaseReplacedByAnotherHistorySignedWithAnotherKey_isRefused(TestDatabase db) throws SQLException {
    // the attacker even claims the log's origin: the kept checkpoint is signed by no key of the replacement
    Unavailable sameOrigin = replacedByAnotherHistory(db, "same", "audit.example.org/duck");
    assertTrue(sameOrigin.getMessage().contains("is not signed by a checkpoint key of this store"), sameOrigin.getMessage());
    // with the default (random) origins the replacement is of another log
    Unavailable defaultOrigin = replacedByAnotherHistory(db, "default", null);
    assertTrue(defaultOrigin.getMessage().contains("is of another log"), defaultOrigin.getMessage());
  }

  /**
   * The host's database holds one history and its keeper that history's checkpoint; the attacker's
   * database holds a longer one, under another KEK (so another checkpoint key). On PostgreSQL the
   * attacker's schema takes the name of the host's, so the host's URL reaches it; elsewhere the engine
   * is pointed at it.
   */
  private Unavailable replacedByAnotherHistory(TestDatabase db, String name, @Nullable String origin) throws SQLException {
    TestDatabase.Namespace host = db.fresh();
    TestDatabase.Namespace attacker = db.fresh();
    String moved = null;
    try {
      KekSource kek = DevelopmentKek.fromFile(dir.resolve(name + "-kek.json"));
      CheckpointKeeper keeper = CheckpointKeeper.file(dir.resolve(name + ".checkpoint"));
      try (SpaceDuck duck = engine(store(host.url()), kek, keeper, origin)) {
        populate(duck, null, "scout", 1);
      }
      KekSource otherKek = DevelopmentKek.fromFile(dir.resolve(name + "-other-kek.json"));
      try (SpaceDuck duck = engine(store(attacker.url()), otherKek, null, origin)) {
        populate(duck, null, "forged", 4);
      }
      String url = attacker.url();
      if (db == TestDatabase.POSTGRES) {
        moved = host.name() + "_orig";
        try (Connection c = host.admin(); Statement st = c.createStatement()) {
          st.execute("ALTER SCHEMA " + host.name() + " RENAME TO " + moved);
          st.execute("ALTER SCHEMA " + attacker.name() + " RENAME TO " + host.name());
        }
        url = host.url();
      }
      return refusedOpen(url, otherKek, keeper, origin);
    } finally {
      if (moved != null) {
        try (Connection c = DriverManagerHolder.base(db); Statement st = c.createStatement()) {
          st.execute("DROP SCHEMA IF EXISTS " + moved + " CASCADE");
        }
      }
      db.drop(host);
      db.drop(attacker);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aForkShownToTwoWitnesses_isRefusedByEach(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      KekSource kek = DevelopmentKek.fromFile(dir.resolve("kek.json"));
      Populated a;
      List<String> vkeys;
      try (SpaceDuck duck = engine(store(ns.url()), kek, null, null)) {
        a = populate(duck, null, "scout", 3);
        vkeys = duck.audit().verifierKeys();
      }
      long sizeA = a.checkpoint().checkpoint().size();
      OfflineAuditVerifier log = OfflineAuditVerifier.forVerifierKeys(vkeys);
      OfflineAuditVerifier.Witness w1 = log.witness(dir.resolve("w1"), "witness.example/one", CLOCK);
      OfflineAuditVerifier.Witness w2 = log.witness(dir.resolve("w2"), "witness.example/two", CLOCK);
      w1.cosign(a.checkpoint().note().format(), Optional.empty());

      // the log is cut back by two events and grows another way: branch B, signed by the log's own key
      cutBack(db, ns, sizeA - 2);
      Populated b;
      ConsistencyProof bFromA;
      try (SpaceDuck duck = engine(store(ns.url()), kek, null, null)) {
        b = populate(duck, a.admin(), "other", 3);
        bFromA = duck.audit().consistencyProof(a.admin(), sizeA, b.checkpoint().checkpoint().size());
      }
      long sizeB = b.checkpoint().checkpoint().size();
      assertTrue(sizeB > sizeA, "branch B is longer");
      w2.cosign(b.checkpoint().note().format(), Optional.empty()); // w2 sees only branch B: accepted

      Conflict toW1 = assertThrows(Conflict.class, () -> w1.cosign(b.checkpoint().note().format(), Optional.of(bFromA)));
      assertTrue(toW1.getMessage().contains("is not consistent with the checkpoint of size " + sizeA)
          && toW1.getMessage().contains("a fork or a rewritten log"), toW1.getMessage());
      Conflict toW2 = assertThrows(Conflict.class, () -> w2.cosign(a.checkpoint().note().format(), Optional.empty()));
      assertTrue(toW2.getMessage().contains("is older than the checkpoint of size " + sizeB), toW2.getMessage());
    } finally {
      db.drop(ns);
    }
  }

  /** A connection to the database's base URL (PostgreSQL: outside any test schema). */
  private static final class DriverManagerHolder {
    static Connection base(TestDatabase db) throws SQLException {
      return java.sql.DriverManager.getConnection(db.baseUrl());
    }
  }
}
