package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.Unavailable;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * Which pg_auto_failover formation gives which guarantee (issue 21; docs/storage.md, "High
 * availability"), shown on real formations ({@link Formation.Kind}), one per test, each with its own
 * ports and directory. The faults: replication stops reaching the standbys (SIGSTOP of the primary's
 * WAL senders, or of the standbys' WAL receivers — what a slow or cut link does to a standby) or the
 * secondary is killed; bonds are written through the engine and the JDBC store; the primary is killed
 * ({@code kill -9} of its keeper and postmaster).
 *
 * <ul>
 *   <li>default formation (two secondaries in the quorum, number_sync_standbys = 1): the action's
 *       {@code COMMIT} is not acknowledged — it waits for a standby — and its connection is lost in the
 *       kill. The store resolves the lost {@code COMMIT} against the new primary: when no standby had
 *       it, it is absent there and runs again; when the standbys had it, it is found and not run again.
 *       Either way acknowledged once; nothing acknowledged is lost;
 *   <li>asynchronous secondary: the action is acknowledged at once, the monitor promotes the
 *       secondary that never received it, and the acknowledged action is gone — for good, also after
 *       the old primary rejoins (pg_rewind discards its copy);
 *   <li>a single secondary: while it is down, the primary runs {@code wait_primary} with synchronous
 *       replication off and acknowledges with one copy. Then the primary dies: pg_auto_failover does
 *       <em>not</em> promote the secondary that missed those commits (it stays {@code catchingup},
 *       clients see {@code Unavailable}), refuses {@code perform failover} and {@code perform
 *       promotion}; the operator's {@code drop node --force} of the dead primary makes the secondary
 *       {@code single}, and the acknowledged actions are gone.
 * </ul>
 *
 * Each run prints the node states and LSNs it saw. A formation takes 30–90 s to build: these tests run
 * with {@value Formation#ENV}{@code =true} and {@code -Pstress} (or {@code
 * -Dspaceduck.jdbc.failover.guarantees=true}), not in CI's default run.
 */
class FormationGuaranteesTest {
  private static final String PROPERTY = "spaceduck.jdbc.failover.guarantees";

  @TempDir Path dir;
  private Formation formation;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void enabled() {
    Formation.assumeEnabled();
    if (!Boolean.getBoolean(PROPERTY)) {
      throw new TestAbortedException("formation guarantee runs skipped: they take minutes; run with -Pstress or -D" + PROPERTY + "=true");
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (RuntimeException e) {
        System.out.println("close: " + e); // the formation may be gone by design
      }
    }
    if (formation != null) {
      formation.close();
    }
  }

  /**
   * Default formation: a COMMIT sent while no standby receives WAL waits (synchronous replication),
   * the primary is killed in that wait, and the store resolves the lost COMMIT on the new primary:
   * not there, so the batch runs again and the caller is told "committed" — exactly once.
   */
  @Test
  @Tag("I4")
  @Tag("A5")
  void defaultFormation_commitWaitsForAStandby_lostCommitResolvedOnTheNewPrimary() throws Exception {
    formation = Formation.start(Formation.Kind.DEFAULT);
    String url = schemaUrl("sdt_guarantee_default");
    HikariDataSource pool = pool(url);
    closeables.add(pool);
    FaultyDataSource faulty = new FaultyDataSource(pool);
    JdbcStorage storage = JdbcStorage.open(faulty, JdbcOptions.defaults());
    EngineInstance e = new EngineInstance(storage, dir.resolve("kek.json"), EngineInstance.mailbox(), java.time.Clock.fixed(EngineInstance.NOW, java.time.ZoneOffset.UTC));
    closeables.add(e);
    BeakKey admin = e.bootstrap().key().key();
    BeakKey operator = e.operator(admin, "Olive");
    BondResult before = e.engine.bonds().bond(operator, "before", Tier.T1);
    String from = formation.primary();
    System.out.println("default formation: " + formation.nodes() + "; synchronous_standby_names on " + from + ": '"
        + one(formation.nodeUrl(from, "postgres"), "SHOW synchronous_standby_names") + "'");

    // 1. the next COMMIT of the store: no standby receives WAL; the COMMIT goes out and waits for one;
    // the primary is killed in that wait. The new primary never had it: the store runs it again there.
    KillInCommit notReplicated = new KillInCommit(faulty, from, false);
    long started = System.nanoTime();
    BondResult during = e.engine.bonds().bond(operator, "during", Tier.T1); // acknowledged only after the resolution
    long acknowledged = System.nanoTime();
    String to = notReplicated.check(acknowledged);
    assertNotEquals(from, to, "failed over");
    System.out.printf("default formation, COMMIT not replicated: %s; acknowledged %.1f s after the kill, %.1f s after the call"
            + " started; %s%n",
        notReplicated, (acknowledged - notReplicated.killedAt.get()) / 1e9, (acknowledged - started) / 1e9, storage.commitStats());
    assertTrue(storage.commitStats().retries() >= 1, "the batch ran again after the lost COMMIT was found absent");
    assertEquals(1, successes(storage, "bond.created", during.bond().id().value()), "acknowledged once, committed once");
    assertEquals(1, successes(storage, "bond.created", before.bond().id().value()));
    AuditVerification v = e.engine.audit().verify(admin);
    assertTrue(v.valid(), v.problem().orElse(""));

    // the old primary had the COMMIT in its own WAL: it rejoins rewound, and the action is still there once
    formation.restartNode(notReplicated.killed.get());
    formation.awaitHealthy(2);
    System.out.println("default formation after the old primary rejoined: " + formation.nodes());
    assertEquals(1, successes(storage, "bond.created", during.bond().id().value()), "still once after the old primary rejoined");
    e.engine.authenticate(during.key().key()); // the acknowledged agent's key works

    // 2. the same, but the WAL reaches the standbys' sockets and only their WAL receivers are stopped:
    // the promoted standby has the COMMIT, and the store finds it there instead of running it again
    long retriesBefore = storage.commitStats().retries();
    String from2 = formation.primary();
    KillInCommit replicated = new KillInCommit(faulty, from2, true);
    started = System.nanoTime();
    BondResult during2 = e.engine.bonds().bond(operator, "during-2", Tier.T1);
    acknowledged = System.nanoTime();
    String to2 = replicated.check(acknowledged);
    System.out.printf("default formation, COMMIT replicated, reply lost: %s; acknowledged %.1f s after the kill, %.1f s after the"
            + " call started; %s%n",
        replicated, (acknowledged - replicated.killedAt.get()) / 1e9, (acknowledged - started) / 1e9, storage.commitStats());
    assertNotEquals(from2, to2, "failed over");
    assertEquals(1, successes(storage, "bond.created", during2.bond().id().value()), "acknowledged once, committed once");
    assertEquals(retriesBefore, storage.commitStats().retries(), "found committed on the new primary: not run again");
    formation.restartNode(replicated.killed.get());
    formation.awaitHealthy(2);
    assertEquals(1, successes(storage, "bond.created", during2.bond().id().value()), "still once after the old primary rejoined");
    v = e.engine.audit().verify(admin);
    assertTrue(v.valid(), v.problem().orElse(""));
    System.out.println("default formation at the end: " + formation.nodes() + "; " + storage.commitStats());
  }

  /**
   * Arms the store's next COMMIT: replication is frozen (the primary's WAL senders, or with {@code
   * sent} the standbys' WAL receivers, after the WAL left the primary), the COMMIT goes out, and once
   * the primary's backend waits for a standby (wait event SyncRep) the primary is killed.
   */
  private final class KillInCommit {
    final AtomicReference<String> facts = new AtomicReference<>("");
    final AtomicReference<Throwable> killerFailed = new AtomicReference<>();
    final AtomicLong killedAt = new AtomicLong();
    final AtomicReference<String> killed = new AtomicReference<>();
    final AtomicReference<Throwable> commitFailure = new AtomicReference<>();
    private final String from;
    private String to = "";

    KillInCommit(FaultyDataSource faulty, String from, boolean sent) {
      this.from = from;
      faulty.arm(FaultyDataSource.Point.COMMIT, "", 1, (c, proceed) -> {
        int pid;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
          rs.next();
          pid = rs.getInt(1);
        }
        String frozen = sent ? formation.freezeStandbys() : formation.freezeReplication();
        String primaryUrl = formation.nodeUrl(from, "postgres");
        Thread killer = new Thread(() -> {
          try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // waiting for a standby; with sent: and every byte of WAL sent to the standbys' sockets
            String check = "SELECT (SELECT coalesce(wait_event, '') FROM pg_stat_activity WHERE pid = " + pid + ") = 'SyncRep'"
                + (sent ? " AND (SELECT bool_and(sent_lsn >= pg_current_wal_lsn()) FROM pg_stat_replication)" : "");
            while (!"t".equals(one(primaryUrl, check))) {
              if (System.nanoTime() > deadline) {
                throw new AssertionError("the COMMIT never waited for a standby: " + rows(primaryUrl,
                    "SELECT wait_event_type, wait_event, state FROM pg_stat_activity WHERE pid = " + pid));
              }
              TimeUnit.MILLISECONDS.sleep(50);
            }
            facts.set("frozen " + frozen + "; backend " + pid + " waits in SyncRep; primary at "
                + one(primaryUrl, "SELECT pg_current_wal_lsn()") + ", standbys (name sent flushed) "
                + rows(primaryUrl, "SELECT application_name, sent_lsn, flush_lsn FROM pg_stat_replication ORDER BY 1"));
            killed.set(formation.killPrimary());
            killedAt.set(System.nanoTime());
            if (sent) {
              formation.thawReplication(); // the standbys read what their sockets hold
            }
          } catch (Throwable t) {
            killerFailed.set(t);
            try {
              formation.thawReplication(); // let the COMMIT finish rather than hang the test
            } catch (Exception ignored) {
              // reported through killerFailed
            }
          }
        }, "kill the primary in the COMMIT");
        killer.start();
        try {
          return proceed.call();
        } catch (Exception lost) {
          commitFailure.set(lost);
          throw lost;
        }
      });
    }

    /** Checks the fault happened as planned; returns the new primary. */
    String check(long acknowledged) throws Exception {
      if (killerFailed.get() != null) {
        throw new AssertionError("the fault was not injected", killerFailed.get());
      }
      assertTrue(killedAt.get() > 0 && killedAt.get() < acknowledged, "acknowledged only after the primary was killed");
      assertTrue(commitFailure.get() instanceof SQLException lost && Dialect.isConnectionLoss(lost),
          "the COMMIT lost its connection: " + commitFailure.get());
      to = formation.writable();
      return to;
    }

    @Override
    public String toString() {
      String history;
      try {
        history = newestTimelineHistory(formation.nodeUrl(to, "postgres"));
      } catch (Exception e) {
        history = "unreadable: " + e;
      }
      return facts.get() + "; killed " + killed.get() + "; the COMMIT failed with \"" + commitFailure.get().getMessage()
          + "\"; new primary " + to + " (timeline history: " + history + ")";
    }
  }

  /**
   * Asynchronous secondary: an action acknowledged while the secondary lags is lost when the primary
   * dies, because the monitor promotes the secondary anyway (it is within
   * pgautofailover.promote_wal_log_threshold, 16 MB, of the primary's last reported LSN).
   */
  @Test
  @Tag("A3")
  void asyncFormation_anAcknowledgedActionIsLostOnFailover() throws Exception {
    formation = Formation.start(Formation.Kind.ASYNC);
    String url = schemaUrl("sdt_guarantee_async");
    EngineInstance e = new EngineInstance(url, dir.resolve("kek.json"), EngineInstance.mailbox());
    closeables.add(e);
    BeakKey admin = e.bootstrap().key().key();
    BeakKey operator = e.operator(admin, "Olive");
    BondResult before = e.engine.bonds().bond(operator, "before", Tier.T1);
    String from = formation.primary();
    String primaryUrl = formation.nodeUrl(from, "postgres");
    assertEquals("", one(primaryUrl, "SHOW synchronous_standby_names"), "never synchronous");
    awaitReplayed(primaryUrl);
    System.out.println("async formation: " + formation.nodes() + "; synchronous_standby_names on " + from + ": ''");

    String frozen = formation.freezeReplication();
    long started = System.nanoTime();
    BondResult lost = e.engine.bonds().bond(operator, "acknowledged-then-lost", Tier.T1);
    long tookNanos = System.nanoTime() - started;
    AuditHead headAfterAck = e.storage.auditHead().orElseThrow(); // what a host keeping the head saw (A3)
    String facts = "frozen WAL senders " + frozen + "; acknowledged in " + tookNanos / 1_000_000 + " ms; primary at "
        + one(primaryUrl, "SELECT pg_current_wal_lsn()") + ", standby flushed "
        + rows(primaryUrl, "SELECT application_name, flush_lsn FROM pg_stat_replication");
    String killed = formation.killPrimary();
    long killedAt = System.nanoTime();
    String to = "node2".equals(killed) ? "node1" : "node2";
    formation.awaitState(to, "wait_primary", 120);
    long promoted = System.nanoTime();
    long firstSuccess = firstSuccess(() -> e.engine.audit().verify(admin));
    String history = newestTimelineHistory(formation.nodeUrl(to, "postgres"));
    System.out.printf("async formation: %s; killed %s; %s promoted %.1f s after the kill (%s), first successful call %.1f s after it;"
            + " timeline history of the new primary: %s%n",
        facts, killed, to, (promoted - killedAt) / 1e9, formation.nodes(), (firstSuccess - killedAt) / 1e9, history);

    assertEquals(1, successes(e.storage, "bond.created", before.bond().id().value()), "replicated before the fault: kept");
    assertEquals(0, successes(e.storage, "bond.created", lost.bond().id().value()), "acknowledged, then lost in the failover");
    assertUnauthenticated(e, lost.key().key());
    AuditVerification v = e.engine.audit().verify(admin);
    assertTrue(v.valid(), "a shorter chain still verifies: " + v.problem().orElse(""));
    AuditVerification withHead = e.engine.audit().verify(admin, headAfterAck);
    assertFalse(withHead.valid(), "A3: the head kept outside the store shows the loss");
    System.out.println("async formation: verify with the head kept before the kill (seq " + headAfterAck.seq() + "): "
        + withHead.problem().orElse(""));

    // the old primary rejoins: pg_rewind throws its copy away; the loss is final
    formation.restartNode(killed);
    formation.awaitHealthy(1);
    System.out.println("async formation after the old primary rejoined: " + formation.nodes());
    assertEquals(0, successes(e.storage, "bond.created", lost.bond().id().value()), "still lost after the old primary rejoined");
  }

  /**
   * One secondary: down, the primary goes wait_primary (synchronous replication off) and acknowledges
   * with one copy. The primary dies next; pg_auto_failover keeps the lagging secondary catchingup
   * (unavailable rather than lossy) and refuses the failover commands; dropping the dead primary is
   * what promotes the secondary and loses the actions acknowledged in wait_primary.
   */
  @Test
  @Tag("A3")
  void singleSecondary_refusesToPromoteTheLaggingNode_untilTheOperatorDropsThePrimary() throws Exception {
    formation = Formation.start(Formation.Kind.SINGLE);
    String url = schemaUrl("sdt_guarantee_single");
    EngineInstance e = new EngineInstance(url, dir.resolve("kek.json"), EngineInstance.mailbox());
    closeables.add(e);
    BeakKey admin = e.bootstrap().key().key();
    BeakKey operator = e.operator(admin, "Olive");
    BondResult before = e.engine.bonds().bond(operator, "before", Tier.T1);
    String primary = formation.primary();
    String secondary = "node1".equals(primary) ? "node2" : "node1";
    String primaryUrl = formation.nodeUrl(primary, "postgres");
    String sync = one(primaryUrl, "SHOW synchronous_standby_names");
    assertTrue(sync.startsWith("ANY 1"), "synchronous while the secondary is healthy: " + sync);
    System.out.println("single formation: " + formation.nodes() + "; synchronous_standby_names on " + primary + ": '" + sync + "'");

    formation.killNode(secondary);
    long secondaryKilled = System.nanoTime();
    BondResult oneCopyA = e.engine.bonds().bond(operator, "one-copy-a", Tier.T1); // waits until sync is switched off
    long ackA = System.nanoTime();
    formation.awaitState(primary, "wait_primary", 60);
    String syncNow = one(primaryUrl, "SHOW synchronous_standby_names");
    assertEquals("", syncNow, "wait_primary: synchronous replication off");
    BondResult oneCopyB = e.engine.bonds().bond(operator, "one-copy-b", Tier.T1);
    AuditHead headAfterAck = e.storage.auditHead().orElseThrow();
    System.out.printf("single formation: secondary %s killed; the next action was acknowledged %.1f s later, with one copy;"
            + " %s; synchronous_standby_names '%s'; primary at %s%n",
        secondary, (ackA - secondaryKilled) / 1e9, formation.nodes(), syncNow, one(primaryUrl, "SELECT pg_current_wal_lsn()"));

    formation.killNode(primary);
    formation.restartNode(secondary);
    TimeUnit.SECONDS.sleep(20); // over six times the unhealthy timeout: the monitor had every chance to fail over
    List<Formation.Node> stuck = formation.nodes();
    System.out.println("single formation: primary " + primary + " killed, " + secondary + " restarted: " + stuck);
    assertTrue(stuck.stream().noneMatch(n -> n.name().equals(secondary) && (n.goal().contains("primary") || n.goal().equals("single"))),
        "the lagging secondary is not promoted: " + stuck);
    try {
      e.engine.bonds().bond(operator, "no-primary", Tier.T1);
      fail("an action succeeded without a primary");
    } catch (Unavailable expected) {
      System.out.println("single formation: the client sees " + expected.getClass().getSimpleName() + " (outcome unknown: "
          + expected.outcomeUnknown() + "): " + expected.getMessage());
    }
    Formation.Outcome failover = formation.performFailover();
    Formation.Outcome promotion = formation.performPromotion(secondary);
    System.out.println("single formation: perform failover " + (failover.accepted() ? "accepted" : "refused") + ": " + lastLines(failover.output()));
    System.out.println("single formation: perform promotion " + (promotion.accepted() ? "accepted" : "refused") + ": " + lastLines(promotion.output()));
    assertFalse(failover.accepted(), "perform failover refuses a catchingup secondary");
    assertFalse(promotion.accepted(), "perform promotion refuses a catchingup secondary");

    Formation.Outcome drop = formation.dropNode(primary);
    System.out.println("single formation: drop node --force " + primary + ": " + (drop.accepted() ? "accepted" : "refused") + ": " + lastLines(drop.output()));
    assertTrue(drop.accepted(), drop.output());
    long dropped = System.nanoTime();
    formation.awaitState(secondary, "single", 120);
    long firstSuccess = firstSuccess(() -> e.engine.audit().verify(admin));
    System.out.printf("single formation: %s single %.1f s after the drop, first successful call %.1f s after it: %s; timeline history: %s%n",
        secondary, 0.0 + (System.nanoTime() - dropped) / 1e9, (firstSuccess - dropped) / 1e9, formation.nodes(),
        newestTimelineHistory(formation.nodeUrl(secondary, "postgres")));

    assertEquals(1, successes(e.storage, "bond.created", before.bond().id().value()), "replicated before the fault: kept");
    assertEquals(0, successes(e.storage, "bond.created", oneCopyA.bond().id().value()), "acknowledged in wait_primary: lost");
    assertEquals(0, successes(e.storage, "bond.created", oneCopyB.bond().id().value()), "acknowledged in wait_primary: lost");
    assertUnauthenticated(e, oneCopyB.key().key());
    AuditVerification withHead = e.engine.audit().verify(admin, headAfterAck);
    assertFalse(withHead.valid(), "A3: the head kept outside the store shows the loss");
    System.out.println("single formation: verify with the head kept before the kills (seq " + headAfterAck.seq() + "): "
        + withHead.problem().orElse(""));
  }

  // ---- helpers ----

  private String schemaUrl(String prefix) throws SQLException {
    String schema = prefix + "_" + Long.toUnsignedString(System.nanoTime(), 36);
    try (Connection c = DriverManager.getConnection(formation.url()); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return TestDatabase.withParam(formation.url(), "currentSchema=" + schema);
  }

  /** A pool set up as the store sets up its own for a URL (JdbcStorage#open(String, …)), for the fault hook to wrap. */
  private static HikariDataSource pool(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName("spaceduck-guarantee");
    config.setMaximumPoolSize(JdbcOptions.defaults().poolSize());
    config.setMinimumIdle(2);
    config.setAutoCommit(true);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setConnectionTimeout(JdbcOptions.defaults().connectTimeout().toMillis());
    AtomicReference<HikariDataSource> created = new AtomicReference<>();
    config.setExceptionOverride(new DemotedNodeEviction(() -> {
      HikariDataSource p = created.get();
      if (p != null && p.getHikariPoolMXBean() != null) {
        p.getHikariPoolMXBean().softEvictConnections();
      }
    }));
    HikariDataSource pool = new HikariDataSource(config);
    created.set(pool);
    return pool;
  }

  /** Success events of {@code action} on {@code resource}, read through the store (i.e. from the current primary). */
  private static long successes(JdbcStorage storage, String action, String resource) {
    long n = 0;
    for (long from = 1; ; ) {
      List<AuditEvent> page = storage.auditRange(from, 1000);
      if (page.isEmpty()) {
        return n;
      }
      for (AuditEvent ev : page) {
        if (ev.outcome() == AuditOutcome.SUCCESS && ev.action().equals(action) && ev.resource().equals(resource)) {
          n++;
        }
        from = ev.seq() + 1;
      }
    }
  }

  private static void assertUnauthenticated(EngineInstance e, BeakKey key) {
    try {
      e.engine.authenticate(key);
      fail("the key of a lost bond authenticates");
    } catch (Unauthenticated expected) {
      // the acknowledged bond does not exist on the new primary
    }
  }

  /** Waits until the primary's only standby has replayed everything the primary wrote. */
  private static void awaitReplayed(String primaryUrl) throws Exception {
    for (int i = 0; i < 200; i++) {
      if ("t".equals(one(primaryUrl, "SELECT bool_and(replay_lsn >= pg_current_wal_lsn()) FROM pg_stat_replication"))) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    fail("the standby did not catch up: " + rows(primaryUrl, "SELECT application_name, replay_lsn, pg_current_wal_lsn() FROM pg_stat_replication"));
  }

  /** Retries {@code call} (each failure an Unavailable of the outage) for up to 120 s; returns when it first succeeded. */
  private static long firstSuccess(Runnable call) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      try {
        call.run();
        return System.nanoTime();
      } catch (Unavailable outage) {
        if (System.nanoTime() > deadline) {
          throw outage;
        }
        TimeUnit.MILLISECONDS.sleep(200);
      }
    }
  }

  /** The newest timeline history file of a node ("tli switchpoint reason" per line), or "none". */
  private static String newestTimelineHistory(String nodeUrl) {
    try {
      String name = one(nodeUrl, "SELECT coalesce(max(name), '') FROM pg_ls_waldir() WHERE name LIKE '%.history'");
      return name.isEmpty() ? "none" : name + " " + one(nodeUrl, "SELECT pg_read_file('pg_wal/" + name + "')").trim().replaceAll("\\s+", " ");
    } catch (SQLException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  private static String one(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? Optional.ofNullable(rs.getString(1)).orElse("") : "";
    }
  }

  private static String rows(String url, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        List<String> cols = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          cols.add(rs.getString(i));
        }
        out.add(String.join(" ", cols));
      }
    }
    return out.toString();
  }

  /** The monitor's reason when pg_autoctl printed one, else its last lines. */
  private static String lastLines(String text) {
    String[] lines = text.split("\\n");
    for (String line : lines) {
      if (line.contains("Monitor ERROR")) {
        return line.substring(line.indexOf("Monitor ERROR"));
      }
    }
    return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - 3), lines.length));
  }
}
