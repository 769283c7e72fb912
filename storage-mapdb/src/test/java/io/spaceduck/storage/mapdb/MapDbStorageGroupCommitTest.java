package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.UnitOfWork;
import java.nio.file.Path;
import java.time.Instant;
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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit (issue 4, items 2 and 3): many queued units share one {@code db.commit()}; a unit that
 * conflicts or cannot be encoded fails alone inside its batch; a failed commit fails its whole batch
 * and closes the store. The writer is held at a commit (through the test hook) so that the next batch
 * is known to hold exactly the units queued meanwhile.
 */
class MapDbStorageGroupCommitTest {
  @TempDir Path dir;

  private Path file;
  private MapDbStorage store;
  private ExecutorService pool;
  private final AtomicInteger commits = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch held = new CountDownLatch(1);

  @BeforeEach
  void open() {
    file = dir.resolve("g.db");
    store = MapDbStorage.open(file);
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void close() {
    release.countDown();
    pool.shutdownNow();
    store.close();
  }

  /** The first commit waits until {@link #release} opens; every commit is counted. */
  private void holdFirstCommit() {
    store.beforeCommit =
        () -> {
          if (commits.incrementAndGet() == 1) {
            held.countDown();
            awaitUninterruptibly(release);
          }
        };
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean done = false;
    while (!done) {
      try {
        done = latch.await(60, TimeUnit.SECONDS) || fail("latch timed out");
      } catch (InterruptedException e) {
        // keep waiting: the writer must not skip the commit
      }
    }
  }

  private static boolean fail(String message) {
    throw new AssertionError(message);
  }

  /** Starts a unit that occupies the writer at its (held) commit. */
  private Future<Object> occupyWriter() throws InterruptedException {
    Future<Object> first = submit(insertWithAudit("first", 0));
    assertTrue(held.await(60, TimeUnit.SECONDS), "the writer reached the first commit");
    return first;
  }

  private void awaitQueued(int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (store.queued() < n) {
      if (System.nanoTime() > deadline) {
        fail("only " + store.queued() + " of " + n + " tasks queued");
      }
      Thread.onSpinWait();
    }
  }

  private Future<Object> submit(UnitOfWork<?> unit) {
    return pool.submit(() -> store.execute(unit));
  }

  private static UnitOfWork<Object> insertWithAudit(String name, int n) {
    return tx -> {
      tx.insert(Tables.META, new MetaRecord(name, "v"));
      tx.appendAudit(Fixtures.draft("unit", name, Map.of("n", Integer.toString(n))));
      return name;
    };
  }

  private static Throwable failureOf(Future<?> f) throws InterruptedException, TimeoutException {
    try {
      f.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the unit to fail");
  }

  private void assertChainVerifies(long expectedEvents) {
    List<AuditEvent> events = store.auditRange(1, Integer.MAX_VALUE);
    assertEquals(expectedEvents, events.size(), "events");
    AuditVerification v = AuditChain.verify(events.iterator(), Optional.empty());
    assertTrue(v.valid(), v.toString());
  }

  @Test
  void queuedUnitsAndPulses_shareOneCommit() throws Exception {
    holdFirstCommit();
    Future<Object> first = occupyWriter();
    List<Future<?>> rest = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      rest.add(submit(insertWithAudit("u" + i, i)));
    }
    for (int i = 0; i < 10; i++) {
      Pulse p = new Pulse(Fixtures.agent(i), Fixtures.operator(1), Fixtures.T0.plusSeconds(i), "ok");
      rest.add(pool.submit(() -> store.recordPulse(p)));
    }
    awaitQueued(50);
    assertFalse(rest.stream().anyMatch(Future::isDone), "nothing returns before its commit");
    release.countDown();
    assertEquals("first", first.get(60, TimeUnit.SECONDS));
    for (Future<?> f : rest) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertEquals(2, commits.get(), "50 queued actions, one commit");
    assertChainVerifies(41);
    for (int i = 1; i <= 40; i++) {
      assertTrue(store.get(Tables.META, "u" + i).isPresent());
    }
    assertTrue(store.latestPulse(Fixtures.agent(9)).isPresent());
  }

  @Test
  @Tag("I4")
  void failingUnitsInABatch_failAlone() throws Exception {
    holdFirstCommit();
    Future<Object> first = occupyWriter();
    List<Future<Object>> good = new ArrayList<>();
    good.add(submit(insertWithAudit("a", 1)));
    awaitQueued(1);
    // taken key: conflicts at validation
    Future<Object> conflict = submit(insertWithAudit("first", 2));
    awaitQueued(2);
    good.add(submit(insertWithAudit("b", 3)));
    awaitQueued(3);
    // an unpaired surrogate has no UTF-8 form: the codec refuses it while encoding
    Future<Object> unencodable =
        submit(tx -> {
          tx.insert(Tables.META, new MetaRecord("bad", "\uD800"));
          tx.appendAudit(Fixtures.draft("unit", "bad", Map.of()));
          return null;
        });
    awaitQueued(4);
    // an audit timestamp beyond epoch milliseconds fails while linking
    AuditDraft unlinkable = AuditDraft.of("unit", AuditEvent.SYSTEM_ACTOR, "far", Optional.empty(), Instant.MAX, "test",
        io.spaceduck.api.ReasonCode.NONE, io.spaceduck.api.AuditOutcome.SUCCESS, Map.of());
    Future<Object> unlinked =
        submit(tx -> {
          tx.insert(Tables.META, new MetaRecord("far", "v"));
          tx.appendAudit(unlinkable);
          return null;
        });
    awaitQueued(5);
    good.add(submit(insertWithAudit("c", 4)));
    awaitQueued(6);
    release.countDown();

    first.get(60, TimeUnit.SECONDS);
    for (Future<Object> f : good) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertInstanceOf(StorageConflictException.class, failureOf(conflict));
    assertInstanceOf(IllegalArgumentException.class, failureOf(unencodable));
    assertInstanceOf(ArithmeticException.class, failureOf(unlinked));
    assertEquals(2, commits.get(), "one batch");
    assertChainVerifies(4); // first, a, b, c: failed units took no seq
    for (String k : List.of("first", "a", "b", "c")) {
      assertTrue(store.get(Tables.META, k).isPresent(), k);
    }
    for (String k : List.of("bad", "far")) {
      assertEquals(Optional.empty(), store.get(Tables.META, k), k);
    }
    assertEquals(1, store.get(Tables.META, "first").orElseThrow().version(), "the conflicting insert changed nothing");
  }

  @Test
  void failedCommit_failsItsWholeBatch_andClosesTheStore() throws Exception {
    store.execute(insertWithAudit("durable", 0));
    CountDownLatch armed = new CountDownLatch(1);
    store.beforeCommit =
        () -> {
          held.countDown();
          awaitUninterruptibly(armed);
          throw new IllegalStateException("disk on fire (injected)");
        };
    List<Future<Object>> batch = new ArrayList<>();
    batch.add(submit(insertWithAudit("lost0", 1)));
    assertTrue(held.await(60, TimeUnit.SECONDS));
    for (int i = 1; i < 10; i++) {
      batch.add(submit(insertWithAudit("lost" + i, i + 1)));
    }
    awaitQueued(9);
    armed.countDown();
    for (Future<Object> f : batch) {
      Throwable t = failureOf(f);
      assertInstanceOf(StorageException.class, t);
      assertTrue(t.getMessage().contains(file.getFileName().toString()), t.getMessage());
    }
    StorageException after = assertThrows(StorageException.class, () -> store.execute(insertWithAudit("after", 99)));
    assertTrue(after.getMessage().contains("closed"), after.getMessage());
    store.close(); // idempotent after failing closed

    store = MapDbStorage.open(file);
    assertTrue(store.get(Tables.META, "durable").isPresent());
    for (int i = 0; i < 10; i++) {
      assertEquals(Optional.empty(), store.get(Tables.META, "lost" + i), "an unacknowledged unit is not durable");
    }
    assertChainVerifies(1);
  }

  @Test
  void close_letsQueuedUnitsCommit() throws Exception {
    holdFirstCommit();
    Future<Object> first = occupyWriter();
    List<Future<Object>> queued = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      queued.add(submit(insertWithAudit("q" + i, i)));
    }
    awaitQueued(5);
    Future<?> closing = pool.submit(store::close);
    awaitQueued(6); // the close request queues behind the units
    release.countDown();
    closing.get(60, TimeUnit.SECONDS);
    first.get(60, TimeUnit.SECONDS);
    for (Future<Object> f : queued) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertThrows(StorageException.class, () -> store.execute(insertWithAudit("late", 9)));
    store = MapDbStorage.open(file);
    assertChainVerifies(6);
  }

  @Test
  void readOnlyUnits_needNoCommit() {
    store.execute(insertWithAudit("row", 0));
    store.beforeCommit = () -> commits.incrementAndGet();
    for (int i = 0; i < 20; i++) {
      Object seen =
          store.execute(tx -> {
            tx.check(Tables.META, tx.get(Tables.META, "row").orElseThrow());
            return tx.get(Tables.META, "nothing").orElse(null);
          });
      assertNull(seen);
    }
    assertEquals(0, commits.get());
  }
}
