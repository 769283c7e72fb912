package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Bond;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a caller is told when a commit fails, by where it failed (issue 14): before the journal's fsync
 * "not applied"; the fsync itself failing "outcome unknown"; after it (copying pages, a checkpoint)
 * "committed" — the batch is durable and the next open replays it. And what a reader sees of a batch
 * in flight: nothing, until it is durable — whatever then happens to its commit.
 */
class MapDbStorageDurabilityTest {
  @TempDir Path dir;

  private Path file;
  private MapDbStorage store;
  private ExecutorService pool;

  /** Latches a test holds the writer at: opened after each test, so that a failed test never hangs the writer. */
  private final List<CountDownLatch> holds = new ArrayList<>();

  private CountDownLatch hold() {
    CountDownLatch l = new CountDownLatch(1);
    holds.add(l);
    return l;
  }

  @BeforeEach
  void open() {
    file = dir.resolve("d.db");
    store = MapDbStorage.open(file);
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void close() {
    holds.forEach(CountDownLatch::countDown);
    pool.shutdownNow();
    store.close();
  }

  private static UnitOfWork<Object> insertWithAudit(String name) {
    return tx -> {
      tx.insert(Tables.META, new MetaRecord(name, "v"));
      tx.appendAudit(Fixtures.draft("unit", name, Map.of()));
      return name;
    };
  }

  private static Pulse pulse(int agent, int second) {
    return new Pulse(Fixtures.agent(agent), Fixtures.operator(1), Fixtures.T0.plusSeconds(second), "s" + second);
  }

  private static Throwable failureOf(Future<?> f) throws Exception {
    try {
      f.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(60, TimeUnit.SECONDS), "latch timed out");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private void awaitQueued(int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (store.queued() < n) {
      assertTrue(System.nanoTime() < deadline, "only " + store.queued() + " of " + n + " tasks queued");
      Thread.onSpinWait();
    }
  }

  private List<AuditEvent> assertChainVerifies(long expectedEvents) {
    List<AuditEvent> events = store.auditRange(1, Integer.MAX_VALUE);
    assertEquals(expectedEvents, events.size(), "events");
    AuditVerification v = AuditChain.verify(events.iterator(), store.auditHead());
    assertTrue(v.valid(), v.toString());
    return events;
  }

  /**
   * The second batch (units and pulses queued while the first was held at its commit) fails right after
   * its journal fsync: every caller is told it committed, the store closes, and the next open has all of it.
   */
  @Test
  @Tag("I4")
  @DisplayName("I4 a failure after the commit point: every caller of the batch hears 'committed'; the next open has the batch")
  void failureAfterCommitPoint_callersHearCommitted_reopenHasTheBatch() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = hold();
    AtomicInteger commits = new AtomicInteger();
    store.beforeCommit =
        () -> {
          int n = commits.incrementAndGet();
          if (n == 1) {
            held.countDown();
            await(release);
          } else if (n == 2) {
            store.volume().crashAfterRanges = 0; // after the fsync, before the first page reaches the file
          }
        };
    Future<Object> first = pool.submit(() -> store.execute(insertWithAudit("first")));
    await(held);
    List<Future<?>> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String name = "u" + i;
      batch.add(pool.submit(() -> store.execute(insertWithAudit(name))));
    }
    batch.add(pool.submit(() -> store.recordPulse(pulse(1, 1))));
    awaitQueued(6);
    release.countDown();
    assertEquals("first", first.get(60, TimeUnit.SECONDS));
    for (Future<?> f : batch) {
      f.get(60, TimeUnit.SECONDS); // committed: no exception
    }
    assertEquals(2, commits.get(), "the five units and the pulse shared one commit");
    StorageException closed = assertThrows(StorageException.class, () -> store.get(Tables.META, "u0"));
    assertTrue(closed.getMessage().contains("closed itself after a failure"), closed.getMessage());
    store.close();

    store = MapDbStorage.open(file);
    for (int i = 0; i < 5; i++) {
      assertEquals(1, store.get(Tables.META, "u" + i).orElseThrow().version(), "u" + i);
    }
    assertEquals(Optional.of(pulse(1, 1)), store.latestPulse(Fixtures.agent(1)));
    assertEquals(6, assertChainVerifies(6).size());
  }

  /** A checkpoint (store-file fsync) failing after a commit's journal is durable: committed too. */
  @Test
  @DisplayName("a failed checkpoint after the commit point: committed, and the next open has the unit")
  void failedCheckpointAfterCommitPoint_isCommitted() {
    store.execute(insertWithAudit("first"));
    store.volume().checkpointBytes = 1; // the next commit checkpoints right after its copy
    store.beforeCommit = () -> store.volume().failNextCheckpoint = true;
    assertEquals("a", store.execute(insertWithAudit("a")));
    store.close();
    store = MapDbStorage.open(file);
    assertTrue(store.get(Tables.META, "a").isPresent());
    assertChainVerifies(2);
  }

  /**
   * The journal fsync fails: the entry's bytes may or may not be on disk, so every caller of the batch
   * hears "outcome unknown" — never "not applied" — and the next open has the batch whole or not at all.
   */
  @Test
  @Tag("I4")
  @DisplayName("I4 a failed journal fsync: the batch's callers hear 'outcome unknown'; the next open has all of it or none")
  void failedFsync_callersHearOutcomeUnknown() throws Exception {
    store.execute(insertWithAudit("first"));
    store.volume().failNextForce = true;
    Future<Object> unit = pool.submit(() -> store.execute(insertWithAudit("a")));
    Throwable t = failureOf(unit);
    assertInstanceOf(StorageOutcomeUnknownException.class, t);
    assertTrue(t.getMessage().contains(file.getFileName().toString()) && t.getMessage().contains("unknown"), t.getMessage());
    assertThrows(StorageException.class, () -> store.recordPulse(pulse(1, 1)), "the store closed itself");
    store.close();

    store = MapDbStorage.open(file);
    boolean present = store.get(Tables.META, "a").isPresent();
    List<AuditEvent> events = assertChainVerifies(present ? 2 : 1);
    assertEquals(present, events.stream().anyMatch(e -> e.resource().equals("a")), "the unit whole or not at all");
  }

  /** A failure before the journal fsync (here just before {@code db.commit()}): certain not applied. */
  @Test
  @DisplayName("a failure before the commit point: 'not applied', and the next open does not have it")
  void failureBeforeCommitPoint_notApplied() throws Exception {
    store.execute(insertWithAudit("first"));
    store.beforeCommit =
        () -> {
          throw new IllegalStateException("disk on fire (injected)");
        };
    Throwable t = failureOf(pool.submit(() -> store.execute(insertWithAudit("a"))));
    assertInstanceOf(StorageException.class, t);
    assertFalse(t instanceof StorageOutcomeUnknownException, "certain: " + t);
    assertTrue(t.getMessage().contains("not applied"), t.getMessage());
    store.close();
    store = MapDbStorage.open(file);
    assertEquals(Optional.empty(), store.get(Tables.META, "a"));
    assertChainVerifies(1);
  }

  // ================================================================== readers see durable state only

  /** What a reader saw while the batch was held between apply and its commit point. */
  private record Seen(
      Optional<Versioned<MetaRecord>> changed,
      Optional<Versioned<MetaRecord>> inserted,
      Optional<Versioned<MetaRecord>> deleted,
      List<Bond> byOperator1,
      List<Bond> byOperator2,
      Optional<AuditHead> head,
      List<AuditEvent> range,
      List<AuditEvent> query,
      Optional<Pulse> latest,
      List<Pulse> history,
      Optional<Versioned<MetaRecord>> inReadOnlyUnit) {}

  private Seen look() {
    return new Seen(
        store.get(Tables.META, "changed"),
        store.get(Tables.META, "inserted"),
        store.get(Tables.META, "deleted"),
        store.findBy(Tables.BONDS_BY_OPERATOR, Fixtures.operator(1).value()).stream().map(Versioned::value).toList(),
        store.findBy(Tables.BONDS_BY_OPERATOR, Fixtures.operator(2).value()).stream().map(Versioned::value).toList(),
        store.auditHead(),
        store.auditRange(1, 100),
        store.auditQuery(AuditFilter.ALL, 0, 100),
        store.latestPulse(Fixtures.agent(1)),
        store.pulseHistory(Fixtures.agent(1), 100),
        store.execute(tx -> tx.get(Tables.META, "changed")));
  }

  /** Durable: rows, bonds 1 and 3 of operator 1, one event, two pulses. Returns what readers see. */
  private Seen seed() {
    store.execute(
        tx -> {
          tx.insert(Tables.META, new MetaRecord("changed", "old"));
          tx.insert(Tables.META, new MetaRecord("deleted", "old"));
          tx.insert(Tables.BONDS, Fixtures.bond(1, Fixtures.operator(1)));
          tx.insert(Tables.BONDS, Fixtures.bond(3, Fixtures.operator(1)));
          tx.appendAudit(Fixtures.draft("seed", "seed", Map.of()));
          return null;
        });
    store.recordPulse(pulse(1, 0));
    store.recordPulse(pulse(1, 10));
    return look();
  }

  /**
   * One unit of everything a reader could observe (an update, an insert, a delete, an index entry moved,
   * added and removed, an audit event), a newer pulse and a sweep, committed as one batch held just
   * before its commit point. Returns the futures of the three.
   */
  private List<Future<?>> startHeldBatch(CountDownLatch held, CountDownLatch release, Runnable thenAtCommit) {
    AtomicInteger commits = new AtomicInteger();
    CountDownLatch firstHeld = new CountDownLatch(1);
    CountDownLatch firstRelease = hold();
    store.beforeCommit =
        () -> {
          int n = commits.incrementAndGet();
          if (n == 1) { // a marker pulse (of an agent nobody looks at) occupies the writer: the next three form one batch
            firstHeld.countDown();
            await(firstRelease);
          } else if (n == 2) {
            held.countDown();
            await(release);
            thenAtCommit.run();
          }
        };
    List<Future<?>> futures = new ArrayList<>();
    futures.add(pool.submit(() -> store.recordPulse(pulse(9, 0))));
    await(firstHeld);
    futures.add(
        pool.submit(
            () ->
                store.execute(
                    tx -> {
                      tx.update(Tables.META, tx.get(Tables.META, "changed").orElseThrow(), new MetaRecord("changed", "new"));
                      tx.insert(Tables.META, new MetaRecord("inserted", "new"));
                      tx.delete(Tables.META, tx.get(Tables.META, "deleted").orElseThrow());
                      tx.update(Tables.BONDS, tx.get(Tables.BONDS, Fixtures.bond(1, Fixtures.operator(1)).id().value()).orElseThrow(),
                          Fixtures.bond(1, Fixtures.operator(2)));
                      tx.insert(Tables.BONDS, Fixtures.bond(2, Fixtures.operator(1)));
                      tx.delete(Tables.BONDS, tx.get(Tables.BONDS, Fixtures.bond(3, Fixtures.operator(1)).id().value()).orElseThrow());
                      tx.appendAudit(Fixtures.draft("unit", "in-flight", Map.of()));
                      return null;
                    })));
    awaitQueued(1);
    futures.add(pool.submit(() -> store.recordPulse(pulse(1, 20))));
    awaitQueued(2);
    futures.add(pool.submit(() -> store.deletePulsesBefore(Fixtures.T0.plusSeconds(5))));
    awaitQueued(3);
    firstRelease.countDown();
    await(held);
    return futures;
  }

  @Test
  @Tag("I4")
  @DisplayName("I4 readers never see a batch before its commit point; they see all of it once the callers are told")
  void readers_seeABatchOnlyOnceDurable() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = hold();
    Seen durable = seed();
    List<Future<?>> futures = startHeldBatch(held, release, () -> {});
    Seen during = pool.submit(this::look).get(60, TimeUnit.SECONDS); // another thread, while the batch is held
    assertEquals(durable, during, "while the batch was applied but not durable");
    release.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    Seen after = look();
    assertEquals(Optional.of(new MetaRecord("changed", "new")), after.changed().map(Versioned::value));
    assertTrue(after.inserted().isPresent());
    assertEquals(Optional.empty(), after.deleted());
    assertEquals(List.of(Fixtures.bond(2, Fixtures.operator(1))), after.byOperator1());
    assertEquals(List.of(Fixtures.bond(1, Fixtures.operator(2))), after.byOperator2());
    assertEquals(2, after.head().orElseThrow().seq(), "seed, the unit");
    assertEquals(2, after.range().size());
    assertEquals(Optional.of(pulse(1, 20)), after.latest());
    assertEquals(List.of(pulse(1, 20), pulse(1, 10)), after.history(), "the sweep removed the oldest");
  }

  /**
   * The batch held before its commit point, then its journal fsync fails: no reader ever sees it — not
   * while it is held, not after (the store closed itself).
   */
  @Test
  @Tag("I4")
  @DisplayName("I4 a batch whose fsync fails is never seen by a reader")
  void readers_neverSeeABatchWhoseFsyncFails() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = hold();
    Seen durable = seed();
    List<Future<?>> futures = startHeldBatch(held, release, () -> store.volume().failNextForce = true);
    assertEquals(durable, pool.submit(this::look).get(60, TimeUnit.SECONDS), "while held");
    release.countDown();
    futures.get(0).get(60, TimeUnit.SECONDS); // the marker's own batch committed
    for (Future<?> f : futures.subList(1, futures.size())) {
      assertInstanceOf(StorageOutcomeUnknownException.class, failureOf(f));
    }
    assertThrows(StorageException.class, () -> store.get(Tables.META, "changed"), "closed, never showing the batch");
    assertThrows(StorageException.class, () -> store.auditHead());
    assertThrows(StorageException.class, () -> store.latestPulse(Fixtures.agent(1)));
  }

  /** The batch held, then failing before its commit point: never seen, and the next open does not have it. */
  @Test
  @Tag("I4")
  @DisplayName("I4 a batch that fails before its commit point is never seen, not even after reopening")
  void readers_neverSeeABatchThatFailsBeforeItsCommitPoint() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = hold();
    Seen durable = seed();
    List<Future<?>> futures =
        startHeldBatch(held, release, () -> {
          throw new IllegalStateException("disk on fire (injected)");
        });
    assertEquals(durable, pool.submit(this::look).get(60, TimeUnit.SECONDS), "while held");
    release.countDown();
    for (Future<?> f : futures.subList(1, futures.size())) {
      Throwable t = failureOf(f);
      assertInstanceOf(StorageException.class, t);
      assertFalse(t instanceof StorageOutcomeUnknownException, t.toString());
    }
    store.close();
    store = MapDbStorage.open(file);
    Seen reopened = look();
    assertEquals(durable.changed(), reopened.changed());
    assertEquals(durable.inserted(), reopened.inserted());
    assertEquals(durable.deleted(), reopened.deleted());
    assertEquals(durable.byOperator1(), reopened.byOperator1());
    assertEquals(durable.byOperator2(), reopened.byOperator2());
    assertEquals(durable.latest(), reopened.latest());
    assertEquals(durable.history(), reopened.history());
    assertEquals(durable.head(), reopened.head());
    assertEquals(durable.range(), reopened.range());
  }
}
