package io.spaceduck.conformance;

import static io.spaceduck.conformance.ChainChecks.assertOneLinearChain;
import static io.spaceduck.conformance.UniqueContacts.contact;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.conformance.ChainChecks.PageRead;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;

/**
 * Many threads on one store at once (each property starts its threads together and joins them with a
 * deadline, so a store whose units block each other fails instead of hanging):
 *
 * <ul>
 *   <li>paging through the chain while others append never repeats or skips an event (A3, A4, A5);
 *   <li>concurrent read-modify-write loses no update, with one audit event per success; of units racing
 *       on one version exactly one wins (A5, CAS);
 *   <li>concurrent appends, and units committed in lockstep, form one linear chain; a reader never sees
 *       half a unit (A5, I4);
 *   <li>{@code findBy} never returns a half-moved row while another unit moves it (I4).
 * </ul>
 *
 * <p>Units submitted together and judged against serial orders are {@link SerializabilityContract}'s;
 * concurrent pulses are {@link PulseContract}'s. Implemented by {@link StorageContract}; see {@link
 * StorageConcern}.
 */
public interface ConcurrencyContract extends StorageConcern {
  /**
   * While threads append units of audit events, a reader pages through the chain — with {@code
   * auditRange} from the seq after its last page, and with {@code auditQuery} after the last seen seq
   * (all events, or one actor's) — until it has caught up with the writers: no page repeats or skips
   * an event, every page is ascending and (for {@code auditRange}) contiguous, every event read equals
   * the event finally stored at its seq, and the concatenated pages are exactly the final chain (or
   * its matches). Paging is how {@code audit().read} and {@code verify} walk a live chain (A3, A4).
   */
  @Property(tries = 20)
  @Tag("A3")
  @Tag("A4")
  @Tag("A5")
  @Label("A3 A4 A5 paging through the chain while others append never repeats or skips an event")
  default void auditPaging_isStableUnderConcurrentAppends(
      @ForAll @IntRange(min = 1, max = 6) int writers,
      @ForAll @IntRange(min = 1, max = 20) int unitsPerWriter,
      @ForAll @IntRange(min = 1, max = 3) int draftsPerUnit,
      @ForAll @IntRange(min = 1, max = 7) int pageSize,
      @ForAll boolean oneActor) {
    String actor = "dk_" + "w".repeat(25) + "0";
    AuditFilter filter =
        oneActor ? new AuditFilter(Optional.empty(), Optional.empty(), Optional.of(actor), Optional.empty(), Optional.empty(), Optional.empty())
            : AuditFilter.ALL;
    try (Storage s = stores().open()) {
      AtomicBoolean writersDone = new AtomicBoolean();
      List<Callable<List<AuditEvent>>> tasks = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        tasks.add(() -> {
          for (int u = 0; u < unitsPerWriter; u++) {
            List<AuditDraft> drafts = new ArrayList<>();
            for (AuditDraft d : unitDrafts(writer, u, draftsPerUnit)) {
              String by = "dk_" + "w".repeat(25) + (writer % 2);
              drafts.add(new AuditDraft(d.action(), by, d.resource(), d.scope(), d.timestamp(), d.engineVersion(),
                  d.reason(), d.outcome(), d.details()));
            }
            s.execute(tx -> {
              drafts.forEach(tx::appendAudit);
              return null;
            });
          }
          return List.of();
        });
      }
      tasks.add(() -> pageUntilCaughtUp(s, pageSize, writersDone, (from, limit) -> s.auditRange(from, limit), true));
      tasks.add(() -> pageUntilCaughtUp(s, pageSize, writersDone, (after, limit) -> s.auditQuery(filter, after - 1, limit), false));
      List<List<AuditEvent>> results =
          Concurrently.run(tasks, Concurrently.THREAD_TIMEOUT_SECONDS, writers, () -> writersDone.set(true));
      List<AuditEvent> all = s.auditRange(1, Integer.MAX_VALUE);
      assertEquals((long) writers * unitsPerWriter * draftsPerUnit, all.size(), "events");
      assertOneLinearChain(s, all);
      assertEquals(all, results.get(writers), "the auditRange pages, concatenated");
      assertEquals(
          all.stream().filter(filter::matches).collect(Collectors.toList()),
          results.get(writers + 1),
          "the auditQuery pages, concatenated");
    }
  }

  /**
   * Pages from seq 1 while the writers run, and on until a page after they are done comes back short;
   * checks each page as it arrives and returns the concatenation.
   */
  private static List<AuditEvent> pageUntilCaughtUp(
      Storage s, int pageSize, AtomicBoolean writersDone, PageRead read, boolean contiguous) {
    List<AuditEvent> seen = new ArrayList<>();
    long next = 1;
    // Unbounded while the writers run (a fast reader may page a million times through a slow store;
    // the thread timeout catches a hang); bounded once they are done.
    for (int pagesAfterDone = 0; pagesAfterDone < 1_000_000; ) {
      boolean last = writersDone.get(); // read before the page: a short page after this is the end
      if (last) {
        pagesAfterDone++;
      }
      List<AuditEvent> page = read.read(next, pageSize);
      assertTrue(page.size() <= pageSize, "a page larger than its limit");
      for (AuditEvent e : page) {
        assertTrue(e.seq() >= next, "a page repeated seq " + e.seq() + " (next expected from " + next + ")");
        if (contiguous) {
          assertEquals(next, e.seq(), "auditRange skipped from seq " + next + " to " + e.seq());
        }
        next = e.seq() + 1;
        seen.add(e);
      }
      if (last && page.size() < pageSize) {
        return seen;
      }
      if (page.isEmpty()) {
        Thread.onSpinWait();
      }
    }
    throw new AssertionError("the reader never caught up with the writers");
  }

  /**
   * Many threads read-modify-write one counter row, retrying on conflict, and append one audit event
   * per successful unit: no update is lost (final version = 1 + successes, final value = successes),
   * each success saw a distinct version, there is exactly one event per success, and the chain is
   * one gapless, verifiable sequence with no duplicate {@code seq}.
   */
  @Property(tries = 20)
  @Tag("A5")
  @Tag("CAS")
  @Label("A5 CAS concurrent read-modify-write loses no update; one audit event per success")
  default void concurrentReadModifyWrite_losesNoUpdate(
      @ForAll @IntRange(min = 2, max = 8) int threads, @ForAll @IntRange(min = 1, max = 25) int unitsPerThread) {
    try (Storage s = stores().open()) {
      String name = "conformance.counter";
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord(name, "0"));
        return null;
      });
      int maxAttempts = 10_000;
      List<Callable<List<Long>>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        workers.add(() -> {
          List<Long> versionsWritten = new ArrayList<>();
          for (int u = 0; u < unitsPerThread; u++) {
            AuditDraft draft = counterDraft(thread, u);
            for (int attempt = 0; ; attempt++) {
              if (attempt == maxAttempts) {
                throw new AssertionError("no progress after " + maxAttempts + " conflicts");
              }
              try {
                long written = s.execute(tx -> {
                  Versioned<MetaRecord> cur = tx.get(Tables.META, name).orElseThrow(() -> new AssertionError("counter vanished"));
                  long n = Long.parseLong(cur.value().value());
                  tx.update(Tables.META, cur, new MetaRecord(name, Long.toString(n + 1)));
                  tx.appendAudit(draft);
                  return cur.version() + 1;
                });
                versionsWritten.add(written);
                break;
              } catch (StorageConflictException retry) {
                // another thread won this round; read again
              }
            }
          }
          return versionsWritten;
        });
      }
      List<List<Long>> results = Concurrently.run(workers, Concurrently.THREAD_TIMEOUT_SECONDS);
      long successes = threads * (long) unitsPerThread;
      List<Long> versions = results.stream().flatMap(List::stream).sorted().collect(Collectors.toList());
      assertEquals(successes, versions.size(), "successful units");
      assertEquals(successes, new HashSet<>(versions).size(), "two successes wrote the same version (lost update)");
      Versioned<MetaRecord> fin = s.get(Tables.META, name).orElseThrow();
      assertEquals(1 + successes, fin.version(), "final version = 1 + successful updates");
      assertEquals(Long.toString(successes), fin.value().value(), "final value = successful updates");
      List<AuditEvent> events = s.auditRange(1, Integer.MAX_VALUE);
      assertEquals(successes, events.size(), "one audit event per successful unit");
      assertOneLinearChain(s, events);
      Set<String> units = new HashSet<>();
      for (AuditEvent e : events) {
        assertTrue(units.add(e.resource() + "/" + e.details()), "an audit event appended twice: " + e.details());
      }
    }
  }

  private static AuditDraft counterDraft(int thread, int unit) {
    return AuditDraft.of(
        "conformance.increment",
        AuditEvent.SYSTEM_ACTOR,
        "meta:conformance.counter",
        Optional.empty(),
        StorageArbitraries.AUDIT_EPOCH,
        "conformance",
        ReasonCode.NONE,
        AuditOutcome.SUCCESS,
        Map.of("thread", Integer.toString(thread), "unit", Integer.toString(unit)));
  }

  /**
   * Several units race to update one row from the same {@link Versioned}: exactly one wins, the
   * others conflict, the row holds the winner's value at the next version, and only the winner's
   * audit event exists. Repeated for several rounds on one store.
   */
  @Property(tries = 20)
  @Tag("CAS")
  @Tag("A5")
  @Label("CAS of units racing on one version exactly one wins")
  default void racingUpdates_exactlyOneWins(
      @ForAll @IntRange(min = 2, max = 6) int racers, @ForAll @IntRange(min = 1, max = 10) int rounds) {
    try (Storage s = stores().open()) {
      String name = "conformance.race";
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord(name, "start"));
        return null;
      });
      for (int round = 0; round < rounds; round++) {
        Versioned<MetaRecord> base = s.get(Tables.META, name).orElseThrow();
        List<Callable<Optional<String>>> units = new ArrayList<>();
        for (int r = 0; r < racers; r++) {
          String value = "round " + round + " racer " + r;
          AuditDraft draft = counterDraft(r, round);
          units.add(() -> {
            try {
              s.execute(tx -> {
                tx.update(Tables.META, base, new MetaRecord(name, value));
                tx.appendAudit(draft);
                return null;
              });
              return Optional.of(value);
            } catch (StorageConflictException lost) {
              return Optional.empty();
            }
          });
        }
        List<String> winners =
            Concurrently.run(units, Concurrently.THREAD_TIMEOUT_SECONDS).stream().flatMap(Optional::stream).collect(Collectors.toList());
        assertEquals(1, winners.size(), "winners of round " + round + ": " + winners);
        assertEquals(
            Optional.of(new Versioned<>(new MetaRecord(name, winners.get(0)), base.version() + 1)),
            s.get(Tables.META, name),
            "row after round " + round);
        assertEquals(round + 1L, s.auditHead().map(AuditHead::seq).orElse(0L), "audit events after round " + round);
      }
      assertOneLinearChain(s, s.auditRange(1, Integer.MAX_VALUE));
    }
  }

  /**
   * Threads append units of 1–3 audit events without conflicting writes while a reader takes
   * snapshots: the final chain is one gapless verifiable sequence holding every draft exactly once,
   * each unit's events in append order, and no snapshot ever shows part of a unit; the store's audit
   * tree nodes are those of the events, however the store grouped the units into commits.
   */
  @Property(tries = 20)
  @Tag("A5")
  @Tag("I4")
  @Label("A5 I4 concurrent appends form one chain; readers never see half a unit")
  default void concurrentAppends_formOneChain(
      @ForAll @IntRange(min = 2, max = 8) int threads,
      @ForAll @IntRange(min = 1, max = 20) int unitsPerThread,
      @ForAll @IntRange(min = 1, max = 3) int draftsPerUnit) {
    try (Storage s = stores().open()) {
      AtomicBoolean writersDone = new AtomicBoolean();
      List<Callable<Integer>> tasks = new ArrayList<>();
      List<Callable<Integer>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        writers.add(() -> {
          for (int u = 0; u < unitsPerThread; u++) {
            List<AuditDraft> drafts = unitDrafts(thread, u, draftsPerUnit);
            MetaRecord own = new MetaRecord("conformance.append." + thread + "." + u, "x");
            s.execute(tx -> {
              tx.insert(Tables.META, own);
              drafts.forEach(tx::appendAudit);
              return null;
            });
          }
          return 0;
        });
      }
      tasks.addAll(writers);
      tasks.add(() -> {
        int snapshots = 0;
        while (!writersDone.get() && snapshots < 400) {
          assertNoHalfUnits(s.auditRange(1, Integer.MAX_VALUE), draftsPerUnit);
          snapshots++;
        }
        return snapshots;
      });
      Concurrently.run(tasks, Concurrently.THREAD_TIMEOUT_SECONDS, writers.size(), () -> writersDone.set(true));
      List<AuditEvent> events = s.auditRange(1, Integer.MAX_VALUE);
      assertEquals((long) threads * unitsPerThread * draftsPerUnit, events.size(), "events");
      assertOneLinearChain(s, events);
      assertNoHalfUnits(events, draftsPerUnit);
      Map<String, List<Long>> byUnit = new HashMap<>();
      for (AuditEvent e : events) {
        String id = e.details().get("thread") + "/" + e.details().get("unit") + "/" + e.details().get("part");
        assertTrue(byUnit.put(id, List.of(e.seq())) == null, "draft appended twice: " + id);
      }
      for (int t = 0; t < threads; t++) {
        for (int u = 0; u < unitsPerThread; u++) {
          long prevSeq = 0;
          for (int p = 0; p < draftsPerUnit; p++) {
            List<Long> seq = byUnit.get(t + "/" + u + "/" + p);
            assertNotNull(seq, "draft lost: " + t + "/" + u + "/" + p);
            assertTrue(seq.get(0) > prevSeq, "a unit's events out of append order");
            prevSeq = seq.get(0);
          }
        }
      }
    }
  }

  /**
   * Threads commit units in lockstep — each round every thread appends one unit of audit events, then
   * waits at a barrier for the others — so that in every round all of them reach the store's append
   * path at the same moment, where a store that reads the head outside its serialization forks the
   * chain: after every round the chain is one gapless, linked sequence with one unit per thread and
   * round, each unit's events in append order, and the store's audit tree nodes are theirs.
   */
  @Property(tries = 20)
  @Tag("A5")
  @Label("A5 units committed in lockstep from many threads form one linear chain")
  default void lockstepAppends_formOneChain(
      @ForAll @IntRange(min = 2, max = 8) int threads,
      @ForAll @IntRange(min = 1, max = 30) int rounds,
      @ForAll @IntRange(min = 1, max = 3) int draftsPerUnit) {
    try (Storage s = stores().open()) {
      CyclicBarrier round = new CyclicBarrier(threads);
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        tasks.add(() -> {
          for (int r = 0; r < rounds; r++) {
            List<AuditDraft> drafts = unitDrafts(thread, r, draftsPerUnit);
            s.execute(tx -> {
              drafts.forEach(tx::appendAudit);
              return null;
            });
            round.await(Concurrently.THREAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
          }
          return rounds;
        });
      }
      Concurrently.run(tasks, Concurrently.THREAD_TIMEOUT_SECONDS);
      List<AuditEvent> events = s.auditRange(1, Integer.MAX_VALUE);
      assertEquals((long) threads * rounds * draftsPerUnit, events.size(), "events");
      assertOneLinearChain(s, events);
      assertNoHalfUnits(events, draftsPerUnit);
    }
  }

  private static List<AuditDraft> unitDrafts(int thread, int unit, int n) {
    List<AuditDraft> out = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      out.add(
          AuditDraft.of(
              "conformance.append",
              AuditEvent.SYSTEM_ACTOR,
              "unit/" + thread + "/" + unit,
              Optional.empty(),
              StorageArbitraries.AUDIT_EPOCH,
              "conformance",
              ReasonCode.NONE,
              AuditOutcome.SUCCESS,
              Map.of("thread", Integer.toString(thread), "unit", Integer.toString(unit), "part", Integer.toString(p))));
    }
    return out;
  }

  private static void assertNoHalfUnits(List<AuditEvent> snapshot, int draftsPerUnit) {
    Map<String, Integer> parts = new HashMap<>();
    for (AuditEvent e : snapshot) {
      parts.merge(e.resource(), 1, Integer::sum);
    }
    parts.forEach((unit, n) -> assertEquals(draftsPerUnit, n, "a reader saw part of " + unit));
  }

  /**
   * While one thread keeps moving a contact between two blind indexes, readers — inside units and
   * outside — never get a row from {@code findBy} whose index key is not the one asked for, and
   * never more than the one row: a reader never sees an index entry without its row change.
   */
  @Property(tries = 20)
  @Tag("I4")
  @Label("I4 findBy never returns a half-moved row while another unit moves it")
  default void concurrentIndexMoves_findByReturnsOnlyMatches(
      @ForAll @IntRange(min = 100, max = 600) int moves, @ForAll @IntRange(min = 1, max = 3) int readers) {
    Index<ContactRecord> idx = Tables.CONTACTS_BY_BLIND_INDEX;
    DucklingId id = new DucklingId("dk_" + "m".repeat(26));
    List<String> keys = List.of("bi-x", "bi-y");
    try (Storage s = stores().open()) {
      s.execute(tx -> {
        tx.insert(Tables.CONTACTS, new ContactRecord(id, Optional.of(keys.get(0)), Optional.empty()));
        return null;
      });
      AtomicBoolean done = new AtomicBoolean();
      List<Callable<Integer>> tasks = new ArrayList<>();
      tasks.add(() -> {
        for (int i = 0; i < moves; i++) {
          String to = keys.get((i + 1) % 2);
          s.execute(tx -> {
            Versioned<ContactRecord> cur = tx.get(Tables.CONTACTS, id.value()).orElseThrow();
            tx.update(Tables.CONTACTS, cur, new ContactRecord(id, Optional.of(to), Optional.empty()));
            return null;
          });
        }
        return moves;
      });
      for (int r = 0; r < readers; r++) {
        boolean inUnit = r % 2 == 0;
        tasks.add(() -> {
          int reads = 0;
          while (!done.get() && reads < 20_000) {
            for (String k : keys) {
              List<Versioned<ContactRecord>> found = inUnit ? s.execute(tx -> tx.findBy(idx, k)) : s.findBy(idx, k);
              assertTrue(found.size() <= 1, "findBy " + k + " found " + found.size() + " rows for one contact");
              for (Versioned<ContactRecord> v : found) {
                assertEquals(Optional.of(k), v.value().blindIndex(), (inUnit ? "tx." : "") + "findBy " + k + " returned another key's row");
              }
            }
            reads++;
          }
          return reads;
        });
      }
      Concurrently.run(tasks, Concurrently.THREAD_TIMEOUT_SECONDS, 1, () -> done.set(true));
      assertEquals(1 + moves, s.get(Tables.CONTACTS, id.value()).orElseThrow().version(), "every move committed");
    }
  }
}
