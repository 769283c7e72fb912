package io.spaceduck.storage.jdbc;

import static io.spaceduck.storage.jdbc.StoreChecks.assertChain;
import static io.spaceduck.storage.jdbc.StoreChecks.assertInsertedOnce;
import static io.spaceduck.storage.jdbc.StoreChecks.draft;
import static io.spaceduck.storage.jdbc.StoreChecks.insertAudited;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The group committer's recovery paths, driven by a {@link FaultyDataSource} over a real database:
 * transient failures are retried and the unit commits exactly once (I4), a lost connection is
 * resolved — retried when the commit did not happen, reported as success when it did — and what cannot
 * be resolved or retried fails with a {@link StorageException} and leaves nothing behind. One case
 * kills real PostgreSQL backends instead of simulating it.
 */
class FaultInjectionTest {
  private static final String AUDIT_INSERT = "INSERT INTO sd_audit (";
  private static final String HEAD_UPDATE = "UPDATE sd_audit_head";
  private static final String META_INSERT = "INSERT INTO sd_meta ";

  /** Runs {@code test} on a store over a fault injector on a fresh namespace, dropped afterwards. */
  private static void withStore(TestDatabase db, JdbcOptions options, StoreTest test) throws Exception {
    TestDatabase.Namespace ns = db.fresh();
    try {
      FaultyDataSource faults = FaultyDataSource.unpooled(ns);
      try (JdbcStorage s = JdbcStorage.open(faults, options)) {
        test.run(s, faults);
      }
    } finally {
      db.drop(ns);
    }
  }

  @FunctionalInterface
  private interface StoreTest {
    void run(JdbcStorage s, FaultyDataSource faults) throws Exception;
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a serialization failure and a deadlock are retried; each unit commits exactly once")
  void transientFailures_retried_commitOnce(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      long retries = s.commitStats().retries();
      faults.failStatement(AUDIT_INSERT, "40001", 1); // serialization failure, after the row insert ran
      insertAudited(s, "a");
      assertEquals(retries + 1, s.commitStats().retries(), "one retry after 40001");

      faults.failStatement(HEAD_UPDATE, "40P01", 1); // deadlock detected, at the last statement
      insertAudited(s, "b");
      assertEquals(retries + 2, s.commitStats().retries(), "one retry after 40P01");

      assertInsertedOnce(s, "a");
      assertInsertedOnce(s, "b");
      assertEquals(List.of("a", "b"), assertChain(s, 2).stream().map(e -> e.resource()).toList());
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a connection lost before commit: retried on a new connection, committed exactly once")
  void connectionLostBeforeCommit_retriedOnNewConnection(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      insertAudited(s, "first"); // the committer holds a connection now
      long retries = s.commitStats().retries();
      faults.loseConnectionAt(AUDIT_INSERT); // the meta insert already ran in that transaction
      insertAudited(s, "a");

      assertEquals(retries + 1, s.commitStats().retries());
      assertEquals(1, faults.lostConnections().size());
      List<Integer> commits = faults.committedConnections();
      assertNotEquals(faults.lostConnections().get(0), commits.get(commits.size() - 1), "committed on a new connection");
      assertInsertedOnce(s, "a");
      assertChain(s, 2);
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a connection lost during commit that did not take effect: resolved as not committed, retried once")
  void connectionLostDuringCommit_notCommitted_retried(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      long retries = s.commitStats().retries();
      int commits = faults.committedConnections().size(); // Flyway's
      faults.loseConnectionAtCommit(false);
      insertAudited(s, "a");

      assertEquals(retries + 1, s.commitStats().retries(), "the batch ran again");
      List<Integer> committed = faults.committedConnections();
      assertEquals(commits + 1, committed.size(), "one real commit");
      assertNotEquals(faults.lostConnections().get(0), committed.get(commits), "on a new connection");
      assertInsertedOnce(s, "a");
      assertChain(s, 1);
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a connection lost during commit while another instance took that seq: not mistaken for ours, retried")
  void connectionLostDuringCommit_seqTakenByAnother_retried(TestDatabase db) throws Exception {
    TestDatabase.Namespace ns = db.fresh();
    try {
      FaultyDataSource faults = FaultyDataSource.unpooled(ns);
      try (JdbcStorage s = JdbcStorage.open(faults, JdbcOptions.defaults());
          JdbcStorage other = JdbcStorage.open(FaultyDataSource.unpooled(ns))) {
        insertAudited(s, "first");
        long retries = s.commitStats().retries();
        // our commit is lost (rolled back); before we look, the other instance appends at the seq we wanted
        faults.arm(FaultyDataSource.Point.COMMIT, "", 1, (real, proceed) -> {
          real.close();
          insertAudited(other, "theirs");
          throw new SQLException("injected: connection lost", "08006");
        });
        insertAudited(s, "ours");

        assertEquals(retries + 1, s.commitStats().retries(), "seq 2 holds another event: ours did not commit, so it ran again");
        assertInsertedOnce(s, "ours");
        assertInsertedOnce(s, "theirs");
        assertEquals(List.of("first", "theirs", "ours"), assertChain(s, 3).stream().map(e -> e.resource()).toList());
      }
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a connection lost during commit and the database unreachable: the unit fails as unknown, nothing re-run")
  void connectionLostDuringCommit_unreachable_failsAsUnknown(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      long retries = s.commitStats().retries();
      faults.arm(FaultyDataSource.Point.COMMIT, "", 1, (real, proceed) -> {
        faults.refuseConnections(true); // from now on, as the connection dies
        real.close();
        throw new SQLException("injected: connection lost", "08006");
      });
      StorageException e = assertThrows(StorageException.class, () -> insertAudited(s, "a"));
      faults.refuseConnections(false);

      assertInstanceOf(StorageOutcomeUnknownException.class, e, "not 'not applied': the commit may have taken effect");
      assertTrue(e.getMessage().contains("database is unreachable; whether it took effect is unknown"), e.getMessage());
      assertEquals(retries, s.commitStats().retries());
      assertTrue(s.get(Tables.META, "a").isEmpty(), "(here it had not)");
      insertAudited(s, "b");
      assertChain(s, 1);
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a connection lost while the server still commits: the check waits for that commit, sees it, and does not run the batch again")
  void connectionLostWhileServerCommits_resolvedAsCommitted(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      insertAudited(s, "first");
      long retries = s.commitStats().retries();
      Thread committer = StoreChecks.commitThread(s.describe()).orElseThrow();
      CompletableFuture<Void> serverDone = new CompletableFuture<>();
      // the client loses the connection at commit; the server finishes the commit a moment later,
      // once the committer is asking whether it took effect
      faults.arm(FaultyDataSource.Point.COMMIT, "", 1, (real, proceed) -> {
        Thread server = new Thread(() -> {
          try {
            // until the committer's check is inside a query (the old check read without waiting and
            // ran the batch again, which then conflicted with itself); at most 10 s
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!inQueryOf(committer, "committed") && System.nanoTime() < deadline) {
              Thread.yield();
            }
            proceed.call();
            real.close();
            serverDone.complete(null);
          } catch (Exception e) {
            serverDone.completeExceptionally(e);
          }
        }, "server");
        server.start();
        throw faults.sever(real);
      });
      insertAudited(s, "a"); // the caller sees success

      serverDone.get(60, TimeUnit.SECONDS);
      assertEquals(retries, s.commitStats().retries(), "not run again");
      assertInsertedOnce(s, "a");
      assertChain(s, 2);
      insertAudited(s, "after");
      assertChain(s, 3);
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a connection lost after the real commit: resolved as committed through the audit event, not re-run")
  void connectionLostAfterCommit_resolvedAsCommitted(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      insertAudited(s, "first");
      long retries = s.commitStats().retries();
      faults.loseConnectionAtCommit(true);
      insertAudited(s, "a"); // the caller sees success

      assertEquals(retries, s.commitStats().retries(), "not run again");
      assertEquals(1, faults.lostConnections().size());
      assertInsertedOnce(s, "a");
      assertChain(s, 2);
      insertAudited(s, "after"); // and the committer carries on with a new connection
      assertChain(s, 3);
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a failure that persists: after maxRetries the unit fails and nothing is written")
  void persistentFailure_givesUp_nothingWritten(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults().withMaxRetries(2), (s, faults) -> {
      long retries = s.commitStats().retries();
      faults.failStatement(AUDIT_INSERT, "40001", Integer.MAX_VALUE);
      StorageException e = assertThrows(StorageException.class, () -> insertAudited(s, "a"));
      assertFalse(e instanceof StorageConflictException, "a failure, not a conflict");
      assertTrue(e.getMessage().contains(s.describe()) && e.getMessage().contains("gave up after 3 attempts"), e.getMessage());
      assertEquals(retries + 2, s.commitStats().retries());
      assertTrue(s.get(Tables.META, "a").isEmpty(), "nothing written");
      assertChain(s, 0);

      faults.clear();
      insertAudited(s, "b"); // usable again, and no gap in the chain
      assertEquals("b", assertChain(s, 1).get(0).resource());
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 the database unreachable on every retry: the unit fails, nothing is written, the store recovers")
  void databaseUnreachable_givesUp_thenRecovers(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults().withMaxRetries(2), (s, faults) -> {
      insertAudited(s, "first");
      faults.loseConnectionAt(META_INSERT);
      faults.refuseConnections(true);
      StorageException e = assertThrows(StorageException.class, () -> insertAudited(s, "a"));
      assertTrue(e.getMessage().contains("gave up after 3 attempts"), e.getMessage());
      faults.refuseConnections(false);

      assertTrue(s.get(Tables.META, "a").isEmpty(), "nothing written");
      insertAudited(s, "b");
      assertEquals(List.of("first", "b"), assertChain(s, 2).stream().map(ev -> ev.resource()).toList());
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("an error that is not transient fails the unit at once, without retry")
  void nonTransientError_failsWithoutRetry(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      long retries = s.commitStats().retries();
      faults.failStatement(AUDIT_INSERT, "42501", 1); // insufficient privilege
      StorageException e = assertThrows(StorageException.class, () -> insertAudited(s, "a"));
      assertTrue(e.getMessage().contains("commit failed") && e.getMessage().contains("injected failure 42501"), e.getMessage());
      assertEquals(retries, s.commitStats().retries());
      assertTrue(s.get(Tables.META, "a").isEmpty());
      assertChain(s, 0);
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("a unit without audit events whose commit outcome is unknown fails saying so")
  void unknownOutcome_withoutAuditEvent_failsSayingSo(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      long retries = s.commitStats().retries();
      faults.loseConnectionAtCommit(false);
      StorageException before = assertThrows(StorageException.class, () -> insertPlain(s, "n1"));
      faults.loseConnectionAtCommit(true);
      StorageException after = assertThrows(StorageException.class, () -> insertPlain(s, "n2"));
      faults.loseConnectionAtCommit(false);
      StorageException pulse = assertThrows(StorageException.class,
          () -> s.recordPulse(new Pulse(new AgentId("ag_" + "a".repeat(26)), new DucklingId("dk_" + "b".repeat(26)), StoreChecks.T0, "ok")));

      for (StorageException e : List.of(before, after, pulse)) {
        assertInstanceOf(StorageOutcomeUnknownException.class, e, "not 'not applied': the commit may have taken effect");
        assertTrue(e.getMessage().contains(s.describe()) && e.getMessage().contains("whether it took effect is unknown"), e.getMessage());
      }
      assertEquals(retries, s.commitStats().retries(), "an unknown outcome is never re-run blindly");
      // what really happened: the first was rolled back, the second committed
      assertTrue(s.get(Tables.META, "n1").isEmpty());
      assertInsertedOnce(s, "n2");
      insertPlain(s, "n3");
      assertInsertedOnce(s, "n3");
    });
  }

  // ---- serializable within one batch (issue 14): the committer is held so the units below are
  // certainly committed as one batch

  private static ContactRecord contact(String id, String blindIndex) {
    return new ContactRecord(new DucklingId(id), Optional.ofNullable(blindIndex), Optional.empty());
  }

  private static final String DK_B = "dk_" + "b".repeat(26);
  private static final String DK_C = "dk_" + "c".repeat(26);
  private static final String DK_D = "dk_" + "d".repeat(26);
  private static final String DK_E = "dk_" + "e".repeat(26);

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("K4")
  @Tag("CAS")
  @DisplayName("K4 CAS two units in one batch that each check what the other writes: the first commits, the second conflicts")
  void writeSkewInOneBatch_secondConflicts(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("a", "live"));
        tx.insert(Tables.META, new MetaRecord("b", "live"));
        return null;
      });
      Versioned<MetaRecord> a = s.get(Tables.META, "a").orElseThrow();
      Versioned<MetaRecord> b = s.get(Tables.META, "b").orElseThrow();
      JdbcStorage.CommitStats before = s.commitStats();
      List<Thread> threads = new ArrayList<>();
      Map<String, CompletableFuture<Throwable>> outcomes = new LinkedHashMap<>();
      CountDownLatch release = holdU0(s, faults, "", threads, outcomes);
      start("aRevokesB", () -> s.execute(tx -> {
        tx.check(Tables.META, a);
        tx.update(Tables.META, b, new MetaRecord("b", "revoked by a"));
        tx.appendAudit(draft("meta.set", "dk_actor", "b"));
        return null;
      }), threads, outcomes);
      awaitQueued(threads.subList(1, 2));
      start("bRevokesA", () -> s.execute(tx -> {
        tx.check(Tables.META, b);
        tx.update(Tables.META, a, new MetaRecord("a", "revoked by b"));
        tx.appendAudit(draft("meta.set", "dk_actor", "a"));
        return null;
      }), threads, outcomes);
      awaitQueued(threads.subList(2, 3));
      releaseAndJoin(release, threads);

      assertNull(outcomes.get("aRevokesB").join(), "the first in the queue commits");
      assertInstanceOf(StorageConflictException.class, outcomes.get("bRevokesA").join(), "the second finds b written");
      assertEquals(new Versioned<>(new MetaRecord("a", "live"), 1), s.get(Tables.META, "a").orElseThrow());
      assertEquals(new Versioned<>(new MetaRecord("b", "revoked by a"), 2), s.get(Tables.META, "b").orElseThrow());
      JdbcStorage.CommitStats after = s.commitStats();
      assertEquals(2, after.batches() - before.batches(), "the held unit, then both as one batch");
      assertEquals(0, after.isolatedBatches() - before.isolatedBatches(), "decided by the plan, not by a split");
      assertEquals(List.of("u0", "b"), assertChain(s, 2).stream().map(e -> e.resource()).toList());
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("H4")
  @Tag("CAS")
  @DisplayName("H4 CAS in one batch: a value moved across two units commits both; a swap by delete and insert conflicts both")
  void uniqueValuesAcrossUnitsOfOneBatch_judgedInQueueOrder(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      s.execute(tx -> {
        tx.insert(Tables.CONTACTS, contact(DK_B, null));
        tx.insert(Tables.CONTACTS, contact(DK_C, "bi-a"));
        tx.insert(Tables.CONTACTS, contact(DK_D, "bi-x"));
        tx.insert(Tables.CONTACTS, contact(DK_E, "bi-y"));
        return null;
      });
      List<Thread> threads = new ArrayList<>();
      Map<String, CompletableFuture<Throwable>> outcomes = new LinkedHashMap<>();
      CountDownLatch release = holdU0(s, faults, "", threads, outcomes);
      List<Map.Entry<String, Runnable>> units = List.of(
          Map.entry("release", () -> s.execute(tx -> {
            tx.update(Tables.CONTACTS, new Versioned<>(contact(DK_C, "bi-a"), 1), contact(DK_C, null));
            return null;
          })),
          Map.entry("take", () -> s.execute(tx -> {
            tx.update(Tables.CONTACTS, new Versioned<>(contact(DK_B, null), 1), contact(DK_B, "bi-a"));
            return null;
          })),
          Map.entry("swapD", () -> s.execute(tx -> {
            tx.delete(Tables.CONTACTS, new Versioned<>(contact(DK_D, "bi-x"), 1));
            tx.insert(Tables.CONTACTS, contact("dk_" + "f".repeat(26), "bi-y"));
            return null;
          })),
          Map.entry("swapE", () -> s.execute(tx -> {
            tx.delete(Tables.CONTACTS, new Versioned<>(contact(DK_E, "bi-y"), 1));
            tx.insert(Tables.CONTACTS, contact("dk_" + "g".repeat(26), "bi-x"));
            return null;
          })));
      for (int i = 0; i < units.size(); i++) {
        start(units.get(i).getKey(), units.get(i).getValue(), threads, outcomes);
        awaitQueued(threads.subList(i + 1, i + 2)); // queue order is the order above
      }
      releaseAndJoin(release, threads);

      assertNull(outcomes.get("release").join(), "release commits");
      assertNull(outcomes.get("take").join(), "take commits after release");
      assertEquals(List.of(new Versioned<>(contact(DK_B, "bi-a"), 2)), s.findBy(Tables.CONTACTS_BY_BLIND_INDEX, "bi-a"));
      assertInstanceOf(StorageConflictException.class, outcomes.get("swapD").join(), "bi-y is still e's");
      assertInstanceOf(StorageConflictException.class, outcomes.get("swapE").join(), "bi-x is still d's");
      assertEquals(List.of(new Versioned<>(contact(DK_D, "bi-x"), 1)), s.findBy(Tables.CONTACTS_BY_BLIND_INDEX, "bi-x"));
      assertEquals(List.of(new Versioned<>(contact(DK_E, "bi-y"), 1)), s.findBy(Tables.CONTACTS_BY_BLIND_INDEX, "bi-y"));
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 in one batch, an insert of a key another unit deletes is deferred to its own batch and commits")
  void insertAfterDeleteInOneBatch_deferredAndCommitted(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("k", "old"));
        return null;
      });
      Versioned<MetaRecord> old = s.get(Tables.META, "k").orElseThrow();
      JdbcStorage.CommitStats before = s.commitStats();
      List<Thread> threads = new ArrayList<>();
      Map<String, CompletableFuture<Throwable>> outcomes = new LinkedHashMap<>();
      CountDownLatch release = holdU0(s, faults, "", threads, outcomes);
      start("delete", () -> s.execute(tx -> {
        tx.delete(Tables.META, old);
        tx.appendAudit(draft("meta.delete", "dk_actor", "k"));
        return null;
      }), threads, outcomes);
      awaitQueued(threads.subList(1, 2));
      start("insert", () -> s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("k", "new"));
        tx.appendAudit(draft("meta.set", "dk_actor", "k"));
        return null;
      }), threads, outcomes);
      awaitQueued(threads.subList(2, 3));
      releaseAndJoin(release, threads);

      assertNull(outcomes.get("delete").join());
      assertNull(outcomes.get("insert").join(), "in the serial order delete, insert the insert commits");
      assertEquals(new Versioned<>(new MetaRecord("k", "new"), 1), s.get(Tables.META, "k").orElseThrow());
      assertEquals(1, s.commitStats().deferredJobs() - before.deferredJobs(), "the insert was deferred");
      assertEquals(List.of("u0", "k", "k"), assertChain(s, 3).stream().map(e -> e.resource()).toList());
    });
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 in one batch, units whose condition fails fail alone; the others commit")
  void conflictInBatch_failsAlone(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("x", "1"));
        return null;
      });
      Versioned<MetaRecord> stale = s.get(Tables.META, "x").orElseThrow();
      s.execute(tx -> {
        tx.update(Tables.META, stale, new MetaRecord("x", "2"));
        tx.appendAudit(draft("meta.set", "dk_actor", "x"));
        return null;
      });
      JdbcStorage.CommitStats before = s.commitStats();

      // hold the committer inside the first statement of a batch of one unit
      List<Thread> threads = new ArrayList<>();
      Map<String, CompletableFuture<Throwable>> outcomes = new LinkedHashMap<>();
      CountDownLatch release = holdU0(s, faults, "", threads, outcomes);

      // while it is held, queue more: three good units, a stale update, two inserts of one key
      for (String k : List.of("u1", "u2", "u3")) {
        start(k, () -> insertAudited(s, k), threads, outcomes);
      }
      start("stale", () -> s.execute(tx -> {
        tx.update(Tables.META, stale, new MetaRecord("x", "lost"));
        tx.appendAudit(draft("meta.set", "dk_actor", "x-stale"));
        return null;
      }), threads, outcomes);
      for (String k : List.of("dupA", "dupB")) {
        start(k, () -> s.execute(tx -> {
          tx.insert(Tables.META, new MetaRecord("dup", k));
          tx.appendAudit(draft("meta.set", "dk_actor", k));
          return null;
        }), threads, outcomes);
      }
      awaitQueued(threads.subList(1, threads.size()));
      releaseAndJoin(release, threads);

      for (String k : List.of("u0", "u1", "u2", "u3")) {
        assertNull(outcomes.get(k).join(), k + " committed");
        assertInsertedOnce(s, k);
      }
      assertInstanceOf(StorageConflictException.class, outcomes.get("stale").join(), "the stale update conflicts");
      Throwable a = outcomes.get("dupA").join();
      Throwable b = outcomes.get("dupB").join();
      assertTrue(a == null ^ b == null, "exactly one insert of 'dup' wins: " + a + " / " + b);
      assertInstanceOf(StorageConflictException.class, a == null ? b : a);
      String winner = a == null ? "dupA" : "dupB";
      assertEquals(winner, s.get(Tables.META, "dup").orElseThrow().value().value());
      assertEquals("2", s.get(Tables.META, "x").orElseThrow().value().value());

      JdbcStorage.CommitStats after = s.commitStats();
      assertEquals(2, after.batches() - before.batches(), "the held unit, then the six queued ones as one batch");
      assertEquals(7, after.jobs() - before.jobs());
      assertEquals(1, after.isolatedBatches() - before.isolatedBatches(), "the batch was split once");
      List<String> resources = assertChain(s, 6).stream().map(e -> e.resource()).toList();
      assertEquals(List.of("x", "u0"), resources.subList(0, 2));
      assertEquals(
          java.util.Set.of("u1", "u2", "u3", winner), java.util.Set.copyOf(resources.subList(2, 6)), "only the winners are audited");
    });
  }

  @ParameterizedTest
  @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRES"})
  @Tag("I4")
  @DisplayName("I4 a unit holding text no column can store is refused to its caller alone; its batch-mates commit")
  void malformedUnit_neverFailsBatchMates(TestDatabase db) throws Exception {
    withStore(db, JdbcOptions.defaults(), (s, faults) -> {
      List<Thread> threads = new ArrayList<>();
      Map<String, CompletableFuture<Throwable>> outcomes = new LinkedHashMap<>();
      CountDownLatch release = holdU0(s, faults, "", threads, outcomes);
      start("u1", () -> insertAudited(s, "u1"), threads, outcomes);
      start("bad", () -> s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("bad", "half a duck \ud83e"));
        tx.appendAudit(draft("meta.set", "dk_actor", "bad"));
        return null;
      }), threads, outcomes);
      start("u2", () -> insertAudited(s, "u2"), threads, outcomes);
      awaitQueued(List.of(threads.get(1), threads.get(3)));
      awaitQueuedOrDone(threads.get(2));
      releaseAndJoin(release, threads);

      for (String k : List.of("u0", "u1", "u2")) {
        assertNull(outcomes.get(k).join(), k + " committed");
        assertInsertedOnce(s, k);
      }
      assertInstanceOf(IllegalArgumentException.class, outcomes.get("bad").join(), "the caller's mistake, as such");
      assertTrue(s.get(Tables.META, "bad").isEmpty());
      assertEquals(3, assertChain(s, 3).size());
    });
  }

  // ---- close ----

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 close from an interrupted thread still waits for the batch in flight; nothing is written after it returns")
  void closeWhileInterrupted_waitsForTheCommitThread(TestDatabase db) throws Exception {
    TestDatabase.Namespace ns = db.fresh();
    try {
      FaultyDataSource faults = FaultyDataSource.unpooled(ns);
      JdbcStorage s = JdbcStorage.open(faults, JdbcOptions.defaults());
      List<Thread> threads = new ArrayList<>();
      Map<String, CompletableFuture<Throwable>> outcomes = new LinkedHashMap<>();
      // held after the batch's meta insert ran
      CountDownLatch release = holdU0(s, faults, AUDIT_INSERT, threads, outcomes);

      CompletableFuture<Boolean> interruptKept = new CompletableFuture<>();
      Thread closer = new Thread(() -> {
        Thread.currentThread().interrupt();
        s.close();
        interruptKept.complete(Thread.currentThread().isInterrupted());
      }, "closer");
      closer.start();
      awaitParkedIn(closer, GroupCommitter.class, "close"); // fails if close returned under the held batch
      release.countDown();
      closer.join(TimeUnit.SECONDS.toMillis(60));

      assertFalse(closer.isAlive(), "close returned once the batch was done");
      assertTrue(interruptKept.getNow(false), "the closing thread's interrupt is kept");
      assertFalse(commitThreadAlive(s), "the commit thread has ended when close returns");
      threads.get(0).join(TimeUnit.SECONDS.toMillis(60));
      assertNull(outcomes.get("u0").join(), "the unit in flight at close committed");
      try (JdbcStorage other = JdbcStorage.open(FaultyDataSource.unpooled(ns))) {
        assertInsertedOnce(other, "u0");
        assertChain(other, 1);
      }
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I4")
  @DisplayName("I4 a close that stops waiting for a hung batch leaves it rolled back and failed, never committed later")
  void closeGivesUpOnHungBatch_rolledBackNeverCommitted(TestDatabase db) throws Exception {
    TestDatabase.Namespace ns = db.fresh();
    try {
      FaultyDataSource faults = FaultyDataSource.unpooled(ns);
      JdbcStorage s = JdbcStorage.open(faults, JdbcOptions.defaults(), java.time.Duration.ofMillis(200));
      insertAudited(s, "a");
      List<Thread> threads = new ArrayList<>();
      Map<String, CompletableFuture<Throwable>> outcomes = new LinkedHashMap<>();
      CountDownLatch release = holdU0(s, faults, AUDIT_INSERT, threads, outcomes);

      s.close(); // the batch is held: close gives up after its (short) wait
      assertFalse(outcomes.get("u0").isDone(), "the held unit is still in flight");
      assertThrows(StorageException.class, () -> insertAudited(s, "late"), "a closed store refuses units");
      release.countDown(); // the hung statement returns: the batch must not commit now
      threads.get(0).join(TimeUnit.SECONDS.toMillis(60));

      Throwable failure = outcomes.get("u0").join();
      assertInstanceOf(StorageException.class, failure, "the abandoned unit fails");
      assertTrue(failure.getMessage().endsWith(" is closed"), failure.getMessage());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (commitThreadAlive(s)) {
        assertTrue(System.nanoTime() < deadline, "the abandoned commit thread ends");
        Thread.yield();
      }
      try (JdbcStorage other = JdbcStorage.open(FaultyDataSource.unpooled(ns))) {
        assertInsertedOnce(other, "a");
        assertTrue(other.get(Tables.META, "u0").isEmpty(), "the abandoned unit left no row");
        assertChain(other, 1);
      }
    } finally {
      db.drop(ns);
    }
  }

  private static boolean commitThreadAlive(JdbcStorage s) {
    return StoreChecks.commitThread(s.describe()).isPresent();
  }

  /** Waits until {@code t} is parked inside {@code type.method}; fails if it ends first. */
  /** Whether {@code t} is executing a query inside {@code method}. */
  private static boolean inQueryOf(Thread t, String method) {
    StackTraceElement[] stack = t.getStackTrace();
    return Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals(method))
        && Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals("executeQuery"));
  }

  private static void awaitParkedIn(Thread t, Class<?> type, String method) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Thread.State state = t.getState();
      assertNotEquals(Thread.State.TERMINATED, state, t.getName() + " returned from " + method + " too early");
      if ((state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
          && Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().equals(type.getName()) && f.getMethodName().equals(method))) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, t.getName() + " never reached " + method + ": " + state);
      Thread.yield();
    }
  }

  /**
   * Starts unit {@code u0} (an audited insert) on its own thread and holds the committer inside that
   * unit's batch at the first statement containing {@code sql}; returns the latch that releases it.
   */
  private static CountDownLatch holdU0(
      JdbcStorage s, FaultyDataSource faults, String sql, List<Thread> threads, Map<String, CompletableFuture<Throwable>> outcomes)
      throws InterruptedException {
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    faults.blockAt(sql, reached, release);
    start("u0", () -> insertAudited(s, "u0"), threads, outcomes);
    assertTrue(reached.await(30, TimeUnit.SECONDS), "the committer took the first unit");
    return release;
  }

  /** Lets the held committer go on and waits (bounded) for every unit's thread to finish. */
  private static void releaseAndJoin(CountDownLatch release, List<Thread> threads) throws InterruptedException {
    release.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
  }

  /** Starts a thread running {@code unit}; its outcome is null on success, else what it threw. */
  private static void start(String name, Runnable unit, List<Thread> threads, Map<String, CompletableFuture<Throwable>> outcomes) {
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        unit.run();
        outcome.complete(null);
      } catch (Throwable e) {
        outcome.complete(e);
      }
    }, "unit-" + name);
    threads.add(t);
    outcomes.put(name, outcome);
    t.start();
  }

  /** Waits until every thread is parked waiting for its commit, i.e. its unit is in the queue. */
  private static void awaitQueued(List<Thread> threads) {
    for (Thread t : threads) {
      awaitState(t, false);
    }
  }

  /** Waits until the thread has either queued its unit or finished (refused before queueing). */
  private static void awaitQueuedOrDone(Thread t) {
    awaitState(t, true);
  }

  private static void awaitState(Thread t, boolean orDone) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(orDone && t.getState() == Thread.State.TERMINATED || isQueued(t))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(t.getName() + " never queued its unit: " + t.getState());
      }
      Thread.yield();
    }
  }

  /** Parked in {@code JdbcStorage.await}: the unit was submitted and waits for its commit. */
  private static boolean isQueued(Thread t) {
    return t.getState() == Thread.State.WAITING
        && Arrays.stream(t.getStackTrace())
            .anyMatch(f -> f.getClassName().equals(JdbcStorage.class.getName()) && f.getMethodName().equals("await"));
  }

  private static void insertPlain(JdbcStorage s, String key) {
    s.execute(tx -> {
      tx.insert(Tables.META, new MetaRecord(key, "plain"));
      return null;
    });
  }

  // ---- real PostgreSQL backends killed ----

  @Test
  @Tag("I4")
  @DisplayName("I4 PostgreSQL: every backend of the store terminated between two units; the next unit still commits once")
  void postgres_backendsTerminated_nextUnitCommits() throws Exception {
    TestDatabase db = TestDatabase.POSTGRES;
    TestDatabase.Namespace ns = db.fresh();
    String app = "sdt_app_" + ns.name();
    try (JdbcStorage s = (JdbcStorage) new JdbcStorageProvider().open(TestDatabase.withParam(ns.url(), "ApplicationName=" + app),
        Map.of("poolSize", "3"))) {
      insertAudited(s, "a");
      long retries = s.commitStats().retries();
      int killed = terminate(ns, "application_name = '" + app + "'");
      assertTrue(killed >= 1, "the store's connections were found and terminated");

      insertAudited(s, "b"); // a pure write: the committer meets its dead connection first
      assertTrue(s.commitStats().retries() > retries, "the committer met its dead connection and reconnected");

      // seen from another instance (the first one's idle pooled connections may still be dead)
      try (JdbcStorage other = JdbcStorage.open(FaultyDataSource.unpooled(ns))) {
        assertInsertedOnce(other, "a");
        assertInsertedOnce(other, "b");
        assertEquals(List.of("a", "b"), assertChain(other, 2).stream().map(e -> e.resource()).toList());
      }
    } finally {
      db.drop(ns);
    }
  }

  @Test
  @Tag("I4")
  @DisplayName("I4 PostgreSQL: the committer's backend killed mid-batch; the server rolls back, the retry commits once")
  void postgres_backendKilledMidBatch_rolledBackAndRetried() throws Exception {
    TestDatabase db = TestDatabase.POSTGRES;
    TestDatabase.Namespace ns = db.fresh();
    try {
      FaultyDataSource faults = FaultyDataSource.unpooled(ns);
      try (JdbcStorage s = JdbcStorage.open(faults, JdbcOptions.defaults())) {
        insertAudited(s, "a");
        long retries = s.commitStats().retries();
        int[] killed = new int[1];
        // after the meta insert ran, kill the backend for real; the audit insert then meets a dead socket
        faults.arm(FaultyDataSource.Point.STATEMENT, AUDIT_INSERT, 1, (real, proceed) -> {
          int pid = real.unwrap(org.postgresql.PGConnection.class).getBackendPID();
          killed[0] = terminate(ns, "pid = " + pid);
          return proceed.call();
        });
        insertAudited(s, "b");

        assertEquals(1, killed[0]);
        assertEquals(retries + 1, s.commitStats().retries());
        assertInsertedOnce(s, "b");
        assertChain(s, 2);
      }
    } finally {
      db.drop(ns);
    }
  }

  /** Terminates the backends matching {@code where} and waits until they are gone; returns how many. */
  private static int terminate(TestDatabase.Namespace ns, String where) throws SQLException {
    try (Connection c = DriverManager.getConnection(ns.url());
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE "
                + where + " AND pid <> pg_backend_pid()");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
