package io.spaceduck.storage.jdbc;

import static io.spaceduck.storage.jdbc.StoreChecks.assertChain;
import static io.spaceduck.storage.jdbc.StoreChecks.draft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Tables;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many threads, one committer: every unit commits, the chain stays one gapless verified sequence
 * whose order respects each thread's own order (A5), and the committer really batches.
 */
class GroupCommitTest {
  private static final int THREADS = 8;

  @ParameterizedTest
  @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRES"})
  @Tag("A5")
  @DisplayName("A5 8 threads of small units: all commit, seq gapless 1..N, chain verifies, units are batched")
  void concurrentUnits_allCommit_gaplessChain_batched(TestDatabase db) throws Exception {
    int perThread = db == TestDatabase.H2 ? 250 : 100;
    int n = THREADS * perThread;
    TestDatabase.Namespace ns = db.fresh();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (JdbcStorage s = (JdbcStorage) new JdbcStorageProvider().open(ns.url(), Map.of())) {
      JdbcStorage.CommitStats before = s.commitStats();
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        String thread = "t" + t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            String key = thread + "-" + i;
            s.execute(tx -> {
              tx.insert(Tables.META, new MetaRecord(key, "v"));
              tx.appendAudit(draft("meta.set", thread, key));
              return null;
            });
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS); // rethrows a unit's failure
      }

      List<AuditEvent> events = assertChain(s, n);
      // each thread's events in its own order, each key audited once, each row there once
      Map<String, Integer> next = new HashMap<>();
      for (AuditEvent e : events) {
        int i = next.merge(e.actor(), 1, Integer::sum) - 1;
        assertEquals(e.actor() + "-" + i, e.resource(), "event " + e.seq());
      }
      for (int t = 0; t < THREADS; t++) {
        assertEquals(perThread, next.get("t" + t), "events of t" + t);
        for (int i = 0; i < perThread; i++) {
          assertEquals(1, s.get(Tables.META, "t" + t + "-" + i).orElseThrow().version());
        }
      }

      JdbcStorage.CommitStats stats = s.commitStats();
      long jobs = stats.jobs() - before.jobs();
      long batches = stats.batches() - before.batches();
      assertEquals(n, jobs, "one job per unit");
      assertEquals(0, stats.isolatedBatches() - before.isolatedBatches(), "no unit conflicted");
      // 8 threads keep the queue filled while a batch commits (about 6 units per batch seen on both
      // databases); one per batch would mean no group commit at all. Requiring two on average leaves a
      // wide margin on a busy machine.
      assertTrue(2 * batches <= jobs, "group commit: " + jobs + " units in " + batches + " batches");
    } finally {
      pool.shutdownNow();
      db.drop(ns);
    }
  }

  /** The longest gathering delay the store accepts: long enough that only a wrong guess would reach it. */
  private static final Map<String, String> LONG_GATHERING = Map.of("groupCommitDelayMicros", "100000");

  @ParameterizedTest
  @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRES"})
  @DisplayName("callers in a loop are gathered: each batch waits for the callers the last one released, never for more")
  void closedLoopCallers_gatheredIntoFullBatches(TestDatabase db) throws Exception {
    int perThread = db == TestDatabase.H2 ? 100 : 40;
    int n = THREADS * perThread;
    TestDatabase.Namespace ns = db.fresh();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (JdbcStorage s = (JdbcStorage) new JdbcStorageProvider().open(ns.url(), LONG_GATHERING)) {
      JdbcStorage.CommitStats before = s.commitStats();
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        String thread = "t" + t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            String key = thread + "-" + i;
            s.execute(tx -> {
              tx.insert(Tables.META, new MetaRecord(key, "v"));
              tx.appendAudit(draft("meta.set", thread, key));
              return null;
            });
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      assertChain(s, n);

      JdbcStorage.CommitStats stats = s.commitStats();
      long jobs = stats.jobs() - before.jobs();
      long batches = stats.batches() - before.batches();
      long timeouts = stats.gatherTimeouts() - before.gatherTimeouts();
      assertEquals(n, jobs, "one job per unit");
      // without gathering, the committer takes the next batch before the callers it just released
      // come back: batches of every size from 1 to 8 (4.8 units per batch on H2, 5.9 on PostgreSQL
      // measured with the delay set to 0 on a saturated 2-core machine; fewer when it is quiet). With
      // it, all 8 callers soon move in step, one batch of 8 per round. A wrong guess of how many come
      // (expecting a caller that is not there) would run into the bound — the delay or the last
      // batch's duration, whichever is shorter (Gathering) — on every gathering: a few may on a busy
      // machine (a caller not scheduled in time), not most. Measured: 1–5 of 101–107 batches on H2 and
      // 1–3 of 41–43 on PostgreSQL, quiet and with three busy loops on the 2 cores (session 13).
      // How full the batches get depends on scheduling (91–99 of ~105 batches held 8 on H2 in those
      // runs; 6.8 units per batch in a quiet CI run before the bound): not asserted here; the benchmark
      // measures it. What must hold: the delay engaged, and it did not run out on most batches.
      assertTrue(stats.gatheredBatches() - before.gatheredBatches() > 0, "the committer never gathered: " + stats);
      assertTrue(timeouts <= batches / 4, timeouts + " of " + batches + " batches waited the whole delay: " + stats);
    } finally {
      pool.shutdownNow();
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRES"})
  @DisplayName("a lone caller is never held back by the gathering delay")
  void loneCaller_neverWaits(TestDatabase db) {
    int n = 200;
    TestDatabase.Namespace ns = db.fresh();
    try (JdbcStorage s = (JdbcStorage) new JdbcStorageProvider().open(ns.url(), LONG_GATHERING)) {
      JdbcStorage.CommitStats before = s.commitStats();
      for (int i = 0; i < n; i++) {
        String key = "k" + i;
        s.execute(tx -> {
          tx.insert(Tables.META, new MetaRecord(key, "v"));
          tx.appendAudit(draft("meta.set", "solo", key));
          return null;
        });
      }
      assertChain(s, n);
      JdbcStorage.CommitStats stats = s.commitStats();
      assertEquals(n, stats.batches() - before.batches(), "one batch per unit: " + stats);
      assertEquals(0, stats.gatheredBatches() - before.gatheredBatches(), "no batch waited: " + stats);
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(value = TestDatabase.class, names = {"H2"})
  @DisplayName("maxBatch=1 never gathers, whatever the delay")
  void maxBatchOne_neverWaits(TestDatabase db) throws Exception {
    int perThread = 25;
    TestDatabase.Namespace ns = db.fresh();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (JdbcStorage s = (JdbcStorage) new JdbcStorageProvider().open(ns.url(), Map.of("maxBatch", "1", "groupCommitDelayMicros", "100000"))) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        String thread = "t" + t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            s.execute(tx -> {
              tx.appendAudit(draft("meta.set", thread, "r"));
              return null;
            });
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      JdbcStorage.CommitStats stats = s.commitStats();
      assertEquals(THREADS * perThread, stats.batches(), "one batch per unit: " + stats);
      assertEquals(0, stats.gatheredBatches(), "no batch waited: " + stats);
    } finally {
      pool.shutdownNow();
      db.drop(ns);
    }
  }
}
