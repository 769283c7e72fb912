package io.spaceduck.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Unavailable;
import io.spaceduck.api.spi.CheckpointKeeper;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.core.TestEngine;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.KeysetRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code audit().verify} with its work shared with a second thread ({@link TreeTap}), turned on
 * after a few events through the package-private knob: the same results and messages as the one-thread
 * verification — a long log verifies; a rewritten history, stored nodes that disagree with the events,
 * a tampered field, a broken link, a missing or undecodable event and an expected head the chain does
 * not hold are found, the chain's problems through the hand-over to the one-thread verification — and
 * no worker thread outlives the call, whether it returns, the store fails or the caller is interrupted.
 */
@Tag("A3")
class TreeTapTest {
  private static final String ORIGIN = "audit.example.org/tree-tap";

  /** The worker threads an engine started, so a test can see they ran and ended. */
  private final List<Thread> workers = new CopyOnWriteArrayList<>();

  private TreeTap.Pipeline pipeline(int from, int batch) {
    return new TreeTap.Pipeline(from, batch, r -> {
      Thread t = new Thread(r, "tree-tap-test-" + workers.size());
      t.setDaemon(true);
      workers.add(t);
      return t;
    });
  }

  private static Transparency transparency(SpaceDuck engine) {
    return ((EngineImpl) engine).core().transparency;
  }

  private static AuditDraft draft(String actor) {
    return AuditDraft.of("agent.bond", actor, "bd_abcdefghijklmnop", Optional.of(actor), Instant.parse("2026-01-01T00:00:00Z"),
        "tree-tap", ReasonCode.NONE, AuditOutcome.SUCCESS, Map.of("agent", "ag_abcdefghijklmnop"));
  }

  /** Appends {@code n} events to {@code storage}, in units of 500. */
  private static void append(Storage storage, int n, String actor) {
    AuditDraft d = draft(actor);
    for (int done = 0; done < n; done += 500) {
      int k = Math.min(500, n - done);
      storage.execute(tx -> {
        for (int i = 0; i < k; i++) {
          tx.appendAudit(d);
        }
        return null;
      });
    }
  }

  /** The engine's verification with the tree inline, then with the given pipeline; both results. */
  private AuditVerification[] inlineAndPipelined(SpaceDuck engine, BeakKey admin, TreeTap.Pipeline pipeline) {
    return inlineAndPipelined(engine, admin, pipeline, true);
  }

  private AuditVerification[] inlineAndPipelined(SpaceDuck engine, BeakKey admin, TreeTap.Pipeline pipeline, boolean startsWorker) {
    Transparency tr = transparency(engine);
    tr.pipeline = TreeTap.Pipeline.INLINE;
    AuditVerification inline = engine.audit().verify(admin);
    int before = workers.size();
    tr.pipeline = pipeline;
    AuditVerification pipelined = engine.audit().verify(admin);
    assertEquals(startsWorker, workers.size() > before, "the pipelined verification started a worker");
    assertNoWorkerAlive();
    return new AuditVerification[] {inline, pipelined};
  }

  private void assertNoWorkerAlive() {
    for (Thread t : workers) {
      assertFalse(t.isAlive(), t.getName() + " outlived the verification");
    }
  }

  @ParameterizedTest(name = "inline up to {0} events, batches of {1}")
  @CsvSource({"64, 16", "0, 1", "1, 7", "100, 4096", "1000, 1000", "999, 3"})
  void aLongLogVerifiesWithTheTreeOnASecondThread(int from, int batch) {
    CheckpointKeeper keeper = CheckpointKeeper.inMemory();
    try (TestEngine t = new TestEngine(new InMemoryStorage(), TestEngine.newKek(), b -> b.checkpointOrigin(ORIGIN).checkpointKeeper(keeper))) {
      BeakKey admin = t.bootstrap().key().key();
      append(t.storage, 999, "dk_abcdefghijklmnop");
      // a kept checkpoint at size 1,000: its root is computed inline or by the worker, depending on `from`
      assertEquals(1000, t.engine.audit().checkpoint(admin).checkpoint().size());
      append(t.storage, 1600, "dk_abcdefghijklmnop"); // past a 2,000-event page
      long size = t.storage.auditHead().orElseThrow().seq();

      AuditVerification[] v = inlineAndPipelined(t.engine, admin, pipeline(from, batch));
      assertTrue(v[1].valid(), v[1].toString());
      assertEquals(size, v[1].eventsVerified());
      assertEquals(v[0], v[1]);
      assertEquals(v[0], t.engine.audit().verify(admin, t.storage.auditHead().orElseThrow()));
    }
  }

  @Test
  void aLogNoLongerThanTheThresholdStartsNoThread() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      append(t.storage, 99, "dk_abcdefghijklmnop");
      transparency(t.engine).pipeline = pipeline(100, 16);
      assertTrue(t.engine.audit().verify(admin).valid());
      assertEquals(List.of(), workers);
    }
  }

  /** A store holding {@code from}'s keysets and origin row, as a copy of it would, and no events. */
  private static Storage sameKeys(Storage from) {
    Storage s = new InMemoryStorage();
    s.execute(tx -> {
      for (String name : List.of("signing", "pii", "mac", "checkpoint")) {
        KeysetRecord r = from.get(Tables.KEYSETS, name).orElseThrow().value();
        tx.insert(Tables.KEYSETS, r);
      }
      from.get(Tables.META, Transparency.ORIGIN_ROW).ifPresent(r -> tx.insert(Tables.META, r.value()));
      return null;
    });
    return s;
  }

  @Test
  void aRewrittenHistoryIsFoundWithTheSameMessage() {
    CheckpointKeeper keeper = CheckpointKeeper.inMemory();
    Storage original = new InMemoryStorage();
    try (TestEngine t = new TestEngine(original, TestEngine.newKek(), b -> b.checkpointOrigin(ORIGIN).checkpointKeeper(keeper))) {
      BeakKey admin = t.bootstrap().key().key();
      append(original, 2999, "dk_abcdefghijklmnop");

      // another history under the same keys: its signed checkpoint at 1,500 replaces the kept one
      Storage rewritten = sameKeys(original);
      String forged;
      try (TestEngine other = new TestEngine(rewritten, t.kek, b -> b.checkpointOrigin(ORIGIN).checkpointKeeper(CheckpointKeeper.inMemory()))) {
        BeakKey otherAdmin = other.bootstrap().key().key();
        append(rewritten, 1499, "dk_zyxwvutsrqponmlk");
        SignedCheckpoint cp = other.engine.audit().checkpoint(otherAdmin);
        assertEquals(1500, cp.checkpoint().size());
        forged = cp.note().format();
      }
      keeper.keep(forged);

      AuditVerification[] v = inlineAndPipelined(t.engine, admin, pipeline(64, 16));
      assertFalse(v[1].valid());
      assertEquals(1, v[1].firstBrokenSeq().getAsLong());
      assertEquals("the audit tree at size 1500 has another root than the checkpoint kept in memory (history rewritten)",
          v[1].problem().orElseThrow());
      assertEquals(v[0], v[1]);
    }
  }

  /** Every stored node that starts at leaf 0, above the leaves, replaced: the root read from the nodes changes. */
  static final class WrongNodes extends ForwardingStorage {
    volatile boolean wrong;

    WrongNodes(Storage delegate) {
      super(delegate);
    }

    @Override
    public Optional<Hash> auditSubtree(int level, long index) {
      return wrong && level > 0 && index == 0 ? Optional.of(Hash.ZERO) : delegate().auditSubtree(level, index);
    }
  }

  @Test
  void storedNodesThatDisagreeWithTheEventsAreFoundWithTheSameMessage() {
    WrongNodes store = new WrongNodes(new InMemoryStorage());
    try (TestEngine t = new TestEngine(store, TestEngine.newKek(), b -> {})) {
      BeakKey admin = t.bootstrap().key().key();
      append(store, 2499, "dk_abcdefghijklmnop");
      store.wrong = true;

      AuditVerification[] v = inlineAndPipelined(t.engine, admin, pipeline(64, 16));
      assertFalse(v[1].valid());
      assertEquals(2500, v[1].firstBrokenSeq().getAsLong());
      assertEquals(2500, v[1].eventsVerified());
      assertEquals("the store's audit tree nodes do not match its events", v[1].problem().orElseThrow());
      assertEquals(v[0], v[1]);
    }
  }

  /** A store that serves its events with one tampered on the way out (the kinds of A3's tamper tests). */
  static final class TamperedPages extends ForwardingStorage {
    volatile String kind = "none";
    volatile long at;

    TamperedPages(Storage delegate) {
      super(delegate);
    }

    @Override
    public List<AuditEvent> auditRange(long fromSeq, int limit) {
      List<AuditEvent> page = delegate().auditRange(fromSeq, limit);
      if (kind.equals("none") || at < fromSeq || at >= fromSeq + page.size()) {
        return page;
      }
      List<AuditEvent> out = new java.util.ArrayList<>(page);
      int i = (int) (at - fromSeq);
      AuditEvent e = page.get(i);
      switch (kind) {
        case "field" -> out.set(i, new AuditEvent(e.seq(), e.action(), "dk_tamperedtampered", e.resource(), e.scope(),
            e.timestamp(), e.engineVersion(), e.reason(), e.outcome(), e.details(), e.prevHash(), e.hash()));
        case "link" -> out.set(i, new AuditEvent(e.seq(), e.action(), e.actor(), e.resource(), e.scope(), e.timestamp(),
            e.engineVersion(), e.reason(), e.outcome(), e.details(), Hash.ZERO, e.hash()));
        case "gap" -> out.remove(i);
        case "corrupt" -> throw new io.spaceduck.storage.CorruptAuditEventException(at, "test: undecodable", null);
        default -> throw new IllegalArgumentException(kind);
      }
      return out;
    }
  }

  @ParameterizedTest(name = "{0} at seq {1}")
  @CsvSource({
    "field, 30", "field, 700", "field, 2048", "field, 2999", "field, 3000",
    "link, 66", "link, 1200", "link, 3000",
    "gap, 500", "gap, 2999",
    "corrupt, 40", "corrupt, 1500", "corrupt, 2001"})
  void aTamperedChainIsFoundWithTheSameResultAsOnOneThread(String kind, long at) {
    TamperedPages store = new TamperedPages(new InMemoryStorage());
    try (TestEngine t = new TestEngine(store, TestEngine.newKek(), b -> {})) {
      BeakKey admin = t.bootstrap().key().key();
      long size = t.storage.auditHead().orElseThrow().seq();
      append(store, (int) (3000 - size), "dk_abcdefghijklmnop");
      store.at = at;
      store.kind = kind;

      // the two-thread check finds something wrong (within its first 64 events before the worker
      // starts) and hands over to the one-thread verification
      AuditVerification[] v = inlineAndPipelined(t.engine, admin, pipeline(64, 16), at > 64);
      assertFalse(v[1].valid(), v[1].toString());
      assertEquals(v[0], v[1]);
      assertEquals(at, v[1].firstBrokenSeq().getAsLong(), v[1].toString());
    }
  }

  @Test
  void aHeadBeyondTheChainIsFoundWithTheSameResultAsOnOneThread() {
    TamperedPages store = new TamperedPages(new InMemoryStorage());
    try (TestEngine t = new TestEngine(store, TestEngine.newKek(), b -> {})) {
      BeakKey admin = t.bootstrap().key().key();
      append(store, 2000, "dk_abcdefghijklmnop");
      io.spaceduck.api.AuditHead head = t.storage.auditHead().orElseThrow();
      io.spaceduck.api.AuditHead beyond = new io.spaceduck.api.AuditHead(head.seq() + 1, head.hash());
      io.spaceduck.api.AuditHead other = new io.spaceduck.api.AuditHead(head.seq() - 100, head.hash());
      Transparency tr = transparency(t.engine);
      for (io.spaceduck.api.AuditHead expected : List.of(beyond, other)) {
        tr.pipeline = TreeTap.Pipeline.INLINE;
        AuditVerification inline = t.engine.audit().verify(admin, expected);
        tr.pipeline = pipeline(64, 16);
        AuditVerification pipelined = t.engine.audit().verify(admin, expected);
        assertFalse(pipelined.valid());
        assertEquals(inline, pipelined);
      }
      assertEquals(2, workers.size());
      assertNoWorkerAlive();
    }
  }

  /** A store whose event pages fail from {@code failFrom} on. */
  static final class FailingPages extends ForwardingStorage {
    volatile long failFrom = Long.MAX_VALUE;

    FailingPages(Storage delegate) {
      super(delegate);
    }

    @Override
    public List<AuditEvent> auditRange(long fromSeq, int limit) {
      if (fromSeq >= failFrom) {
        throw new StorageException("page read failed");
      }
      return delegate().auditRange(fromSeq, limit);
    }
  }

  @Test
  void aFailingPageReadPropagatesAndLeavesNoThread() {
    FailingPages store = new FailingPages(new InMemoryStorage());
    try (TestEngine t = new TestEngine(store, TestEngine.newKek(), b -> {})) {
      BeakKey admin = t.bootstrap().key().key();
      append(store, 4999, "dk_abcdefghijklmnop");
      transparency(t.engine).pipeline = pipeline(64, 16);
      store.failFrom = 2001; // the second page: the worker has hashed most of the first
      Unavailable failed = assertThrows(Unavailable.class, () -> t.engine.audit().verify(admin));
      assertEquals("the store failed; nothing was applied", failed.getMessage());
      assertEquals(1, workers.size());
      assertNoWorkerAlive();

      store.failFrom = Long.MAX_VALUE; // and the next verification works
      assertTrue(t.engine.audit().verify(admin).valid());
      assertNoWorkerAlive();
    }
  }

  @Test
  void anInterruptedVerificationEndsWithTheInterruptKeptAndLeavesNoThread() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      append(t.storage, 2999, "dk_abcdefghijklmnop");
      transparency(t.engine).pipeline = pipeline(64, 16);
      Thread.currentThread().interrupt();
      try {
        assertThrows(CancellationException.class, () -> t.engine.audit().verify(admin));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status is kept (and cleared here)");
      }
      assertEquals(1, workers.size());
      assertNoWorkerAlive();
      assertTrue(t.engine.audit().verify(admin).valid());
    }
  }
}
