package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Hash;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Tier;
import io.spaceduck.conformance.StorageArbitraries.IndexEntry;
import io.spaceduck.conformance.StorageArbitraries.Lineage;
import io.spaceduck.conformance.StorageArbitraries.TableValue;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.RecordCodec;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.ActionChain;
import org.opentest4j.TestAbortedException;

/**
 * The storage conformance kit: jqwik properties that every {@link Storage} must satisfy. A backend's
 * test module extends this class once and implements {@link #newStorage()}:
 *
 * <pre>{@code
 * class MyStorageContractTest extends StorageContract {
 *   @Override
 *   protected Storage newStorage() {
 *     return MyStorage.openEmpty(); // a clean store: a new file, schema or database each time
 *   }
 * }
 * }</pre>
 *
 * <p>What is checked: misses are empty, never exceptions; versions start at 1 and grow by one;
 * compare-and-set refuses stale versions and taken unique keys (H4); a failed unit leaves no trace
 * (I4); the audit chain is gapless, linked and verifiable (A1, A3), also under many threads (A5);
 * filtered, paginated audit reads (A4); a unit sees its own writes and nobody else does before
 * commit; the record codecs round-trip and fail only with {@link StorageException}; pulses keep the
 * latest per agent and a newest-first history, and their sweep deletes exactly the older history but
 * never a latest pulse, also while other threads record (U1, U3); and a stateful check of random
 * unit sequences against a reference model. Each property is tagged with the SPEC rule it proves
 * ({@code A1}, {@code A3}–{@code A5}, {@code H4}, {@code I4}, {@code U1}, {@code U3}) and, where the guarantee
 * is the SPI's own, with {@code SPI}, {@code CAS} or {@code codec}; a run can select tags (with
 * Surefire: {@code -Dgroups=A5}).
 *
 * <p><b>Tries.</b> Each property declares modest tries so the kit runs in seconds; set the system
 * property {@value ConformanceTries#PROPERTY} (base 100) to scale all of them, e.g. {@code
 * -Dspaceduck.conformance.tries=2000} for a nightly run. <b>Stores.</b> Every store the kit opens is
 * closed after its try ({@link #closeStores()}); properties also close their own. Each property is a
 * public method, so a backend's test can also call one directly with fixed inputs to reproduce a
 * failure (the kit's own tests do that against deliberately broken stores).
 *
 * <p>Not thread-safe as an object (jqwik runs one try at a time); the concurrency properties start
 * their own threads and join them before returning.
 */
@AddLifecycleHook(ConformanceTries.class)
public abstract class StorageContract {
  /** Seconds a multi-threaded property waits for its threads before it fails as hung. */
  static final int THREAD_TIMEOUT_SECONDS = 60;

  /** The stores of the running try; see {@link TryFence} for why a property's end is fenced. */
  final TryFence fence = new TryFence();

  /** A new, empty, open store. Called once or more per try; the kit closes what it opens. */
  protected abstract Storage newStorage();

  /**
   * Opens a store through {@link #newStorage()} and remembers it for {@link #closeStores()}.
   *
   * @throws IllegalStateException once the property has ended: only jqwik's shrinking, going on in the
   *     background after its time bound, still runs tries then, and it must not touch a store the next
   *     property uses ({@link TryFence})
   */
  protected final Storage openStore() {
    return fence.open(() -> Objects.requireNonNull(newStorage(), "newStorage() returned null"));
  }

  /** Closes every store opened during the try (closing twice is allowed by the SPI). */
  @AfterTry
  public void closeStores() {
    try {
      fence.closeAll();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e); // Storage.close() throws no checked exception
    }
  }

  // ================================================================== reads that miss

  /** Rows for the read properties. */
  @Provide
  public Arbitrary<List<TableValue<?>>> rowSets() {
    return StorageArbitraries.tableValues().list().ofMaxSize(8).map(StorageArbitraries::distinctRows);
  }

  /** Any value of any table. */
  @Provide
  public Arbitrary<TableValue<?>> tableValues() {
    return StorageArbitraries.tableValues();
  }

  /**
   * A miss is empty, never an exception: unknown keys and index keys, the audit head and ranges of a
   * fresh store, and the same reads inside a unit. Index reads return exactly the matching rows, in
   * primary-key order.
   */
  @Property(tries = 100)
  @Tag("SPI")
  @Label("SPI misses are empty, never exceptions; findBy returns exactly the matching rows")
  public void misses_areEmptyNeverExceptions(
      @ForAll("tableValues") TableValue<?> absent,
      @ForAll("rowSets") List<TableValue<?>> rows,
      @ForAll @IntRange(min = -3, max = 40) int fromSeq,
      @ForAll @IntRange(min = 0, max = 50) int limit) {
    try (Storage s = openStore()) {
      assertEquals(Optional.empty(), s.auditHead(), "audit head of a fresh store");
      assertEquals(List.of(), s.auditRange(fromSeq, limit), "auditRange of a fresh store");
      assertEquals(List.of(), s.auditRange(1, Integer.MAX_VALUE), "auditRange of a fresh store");
      assertEquals(List.of(), s.auditQuery(AuditFilter.ALL, fromSeq, limit), "auditQuery of a fresh store");
      assertEquals(Optional.empty(), s.get(absent.table(), absent.key()), "get on a fresh store");
      for (Table<?> t : Tables.ALL) {
        for (Index<?> i : t.indexes()) {
          assertEquals(List.of(), s.findBy(i, "no-such-index-key"), "findBy on a fresh store: " + i);
        }
      }

      List<TableValue<?>> all = new ArrayList<>();
      all.add(absent);
      all.addAll(rows);
      List<TableValue<?>> distinct = StorageArbitraries.distinctRows(all);
      List<TableValue<?>> present = distinct.subList(1, distinct.size());
      String token = "done";
      String result =
          s.execute(
              tx -> {
                present.forEach(r -> insert(tx, r));
                return token;
              });
      assertEquals(token, result, "execute returns the unit's result");

      assertEquals(Optional.empty(), s.get(absent.table(), absent.key()), "get of a key never inserted");
      assertEquals(Optional.empty(), s.auditHead(), "units without appends leave the chain empty");
      for (TableValue<?> r : present) {
        assertEquals(Optional.of(new Versioned<>(r.value(), 1)), getRaw(s, r), "inserted row " + r);
      }
      Set<IndexEntry<?>> probes = new HashSet<>();
      distinct.forEach(r -> probes.addAll(r.indexEntries()));
      for (Table<?> t : Tables.ALL) {
        for (Index<?> i : t.indexes()) {
          probes.add(new IndexEntry<>(i, "no-such-index-key"));
        }
      }
      for (IndexEntry<?> p : probes) {
        assertEquals(expectedFindBy(present, p), findByRaw(s, p), "findBy " + p.index() + " = " + p.indexKey());
      }
      Optional<?> inUnit = s.execute(tx -> tx.get(absent.table(), absent.key()));
      assertEquals(Optional.empty(), inUnit, "tx.get of a key never inserted");
      for (IndexEntry<?> p : absent.indexEntries()) {
        List<?> found = s.execute(tx -> findByRaw(tx, p));
        assertEquals(expectedFindBy(present, p), found, "tx.findBy " + p.index() + " = " + p.indexKey());
      }
    }
  }

  /** A closed store refuses units with {@link StorageException}; closing twice is allowed. */
  @Example
  @Tag("SPI")
  @Label("SPI close is idempotent and a closed store refuses units with StorageException")
  public void closedStore_refusesUnits() {
    Storage s = openStore();
    s.close();
    s.close();
    assertThrows(StorageException.class, () -> s.execute(tx -> null), "a unit on a closed store");
  }

  // ================================================================== versions and CAS

  /** Rows with 1–5 successive updates each. */
  @Provide
  public Arbitrary<Lineage<?>> lineages() {
    return StorageArbitraries.lineages(5);
  }

  /**
   * Insert stores the value at version 1; each update with the current version stores the next value
   * at the next version; indexes follow the value; values round-trip equal.
   */
  @Property(tries = 100)
  @Tag("CAS")
  @Label("CAS insert is version 1, each update adds one, values and indexes follow")
  public void insertThenUpdate_versionsCountFromOne(@ForAll("lineages") Lineage<?> lineage) {
    try (Storage s = openStore()) {
      checkVersions(s, lineage);
    }
  }

  private static <V> void checkVersions(Storage s, Lineage<V> l) {
    Table<V> t = l.table();
    String r = s.execute(tx -> {
      tx.insert(t, l.first());
      return "inserted";
    });
    assertEquals("inserted", r, "execute returns the unit's result");
    Versioned<V> current = s.get(t, l.key()).orElseThrow(() -> new AssertionError("inserted row missing: " + l.key()));
    assertEquals(new Versioned<>(l.first(), 1), current, "after insert");
    assertIndexed(s, l.firstRow(), current);
    V previous = l.first();
    for (V next : l.updates()) {
      Versioned<V> cur = current;
      s.execute(tx -> {
        tx.update(t, cur, next);
        return null;
      });
      current = s.get(t, l.key()).orElseThrow(() -> new AssertionError("updated row missing: " + l.key()));
      assertEquals(new Versioned<>(next, cur.version() + 1), current, "after update " + cur.version());
      assertIndexed(s, l.firstRow().with(next), current);
      assertNotIndexedUnlessSameKey(s, l.firstRow().with(previous), l.firstRow().with(next));
      previous = next;
    }
    assertEquals(1 + l.updates().size(), current.version(), "final version");
  }

  /**
   * A stale {@link Versioned} makes update, delete and check conflict, an insert of an existing key
   * conflicts, and the failed unit changes nothing (not its other writes, not its audit appends).
   * The current version passes; a deleted row can be inserted again at version 1.
   */
  @Property(tries = 100)
  @Tag("CAS")
  @Tag("I4")
  @Label("CAS stale versions and taken keys conflict and change nothing")
  public void staleVersions_conflictAndChangeNothing(
      @ForAll("lineages") Lineage<?> lineage, @ForAll("auditDrafts") AuditDraft draft) {
    try (Storage s = openStore()) {
      checkStale(s, lineage, draft);
    }
  }

  private static <V> void checkStale(Storage s, Lineage<V> l, AuditDraft draft) {
    Table<V> t = l.table();
    V v2 = l.updates().get(0);
    s.execute(tx -> {
      tx.insert(t, l.first());
      return null;
    });
    Versioned<V> stale = new Versioned<>(l.first(), 1);
    s.execute(tx -> {
      tx.update(t, stale, v2);
      return null;
    });
    Versioned<V> current = new Versioned<>(v2, 2);
    assertEquals(Optional.of(current), s.get(t, l.key()), "after one update");
    MetaRecord bystander = new MetaRecord("conformance.bystander", "written by a unit that must fail");
    V last = l.updates().get(l.updates().size() - 1);
    Map<String, TxStep> conflicting = new LinkedHashMap<>();
    conflicting.put("update with a stale version", tx -> tx.update(t, stale, last));
    conflicting.put("update with a future version", tx -> tx.update(t, new Versioned<>(v2, 3), last));
    conflicting.put("delete with a stale version", tx -> tx.delete(t, stale));
    conflicting.put("check with a stale version", tx -> tx.check(t, stale));
    conflicting.put("insert of an existing key", tx -> tx.insert(t, last));
    for (Map.Entry<String, TxStep> c : conflicting.entrySet()) {
      for (boolean conflictFirst : new boolean[] {true, false}) {
        assertThrows(
            StorageConflictException.class,
            () -> s.execute(tx -> {
              if (conflictFirst) {
                c.getValue().run(tx);
              }
              tx.insert(Tables.META, bystander);
              tx.appendAudit(draft);
              if (!conflictFirst) {
                c.getValue().run(tx);
              }
              return null;
            }),
            c.getKey());
        assertEquals(Optional.of(current), s.get(t, l.key()), c.getKey() + " changed the row");
        assertEquals(Optional.empty(), s.get(Tables.META, bystander.name()), c.getKey() + " leaked another write");
        assertEquals(Optional.empty(), s.auditHead(), c.getKey() + " leaked an audit event");
        assertEquals(List.of(), s.auditRange(1, 10), c.getKey() + " leaked an audit event");
        assertIndexed(s, l.firstRow().with(v2), current);
      }
    }
    s.execute(tx -> {
      tx.check(t, current);
      return null;
    });
    assertEquals(Optional.of(current), s.get(t, l.key()), "a passing check writes nothing");
    s.execute(tx -> {
      tx.delete(t, current);
      return null;
    });
    assertEquals(Optional.empty(), s.get(t, l.key()), "after delete");
    for (IndexEntry<V> e : l.firstRow().with(v2).indexEntries()) {
      assertEquals(List.of(), s.findBy(e.index(), e.indexKey()), "index entry after delete: " + e);
    }
    assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
      tx.update(t, current, last);
      return null;
    }), "update of a deleted row");
    assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
      tx.check(t, current);
      return null;
    }), "check of a deleted row");
    s.execute(tx -> {
      tx.insert(t, last);
      return null;
    });
    assertEquals(Optional.of(new Versioned<>(last, 1)), s.get(t, l.key()), "a re-inserted row starts at version 1");
  }

  /** One step of a unit, without a result: the rows of a table of conflicting cases. */
  @FunctionalInterface
  private interface TxStep {
    void run(Transaction tx);
  }

  /**
   * The unique index {@link Tables#CONTACTS_BY_BLIND_INDEX} refuses a second contact with a taken
   * blind index (also two in one unit), and accepts it once the first contact's blind index is erased
   * (D1) — in a later unit or in the same one.
   */
  @Property(tries = 100)
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 a unique blind index refuses a second contact until the first is erased")
  public void uniqueIndex_refusesDuplicateUntilErased(
      @ForAll("distinctDucklingIds") List<DucklingId> ids,
      @ForAll("blindIndexes") String blindIndex,
      @ForAll("emails") Bytes email1,
      @ForAll("emails") Bytes email2,
      @ForAll boolean eraseInSameUnit) {
    Index<ContactRecord> byBlind = Tables.CONTACTS_BY_BLIND_INDEX;
    ContactRecord first = new ContactRecord(ids.get(0), Optional.of(blindIndex), Optional.of(email1));
    ContactRecord second = new ContactRecord(ids.get(1), Optional.of(blindIndex), Optional.of(email2));
    ContactRecord third = new ContactRecord(ids.get(2), Optional.of(blindIndex), Optional.of(email2));
    try (Storage s = openStore()) {
      assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
        tx.insert(Tables.CONTACTS, first);
        tx.insert(Tables.CONTACTS, second);
        return null;
      }), "two contacts with one blind index in one unit");
      assertEquals(List.of(), s.findBy(byBlind, blindIndex), "nothing of the refused unit");

      s.execute(tx -> {
        tx.insert(Tables.CONTACTS, first);
        return null;
      });
      assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
        tx.insert(Tables.CONTACTS, second);
        return null;
      }), "a second contact with a taken blind index");
      assertEquals(Optional.empty(), s.get(Tables.CONTACTS, second.duckling().value()), "refused contact stored");
      assertEquals(List.of(new Versioned<>(first, 1)), s.findBy(byBlind, blindIndex), "index after refusal");

      Versioned<ContactRecord> v1 = new Versioned<>(first, 1);
      ContactRecord erased = new ContactRecord(first.duckling(), Optional.empty(), Optional.empty());
      if (eraseInSameUnit) {
        s.execute(tx -> {
          tx.update(Tables.CONTACTS, v1, erased);
          tx.insert(Tables.CONTACTS, second);
          return null;
        });
      } else {
        s.execute(tx -> {
          tx.update(Tables.CONTACTS, v1, erased);
          return null;
        });
        assertEquals(List.of(), s.findBy(byBlind, blindIndex), "erased contact still indexed");
        s.execute(tx -> {
          tx.insert(Tables.CONTACTS, second);
          return null;
        });
      }
      assertEquals(Optional.of(new Versioned<>(erased, 2)), s.get(Tables.CONTACTS, first.duckling().value()), "erased");
      assertEquals(Optional.of(new Versioned<>(second, 1)), s.get(Tables.CONTACTS, second.duckling().value()), "second");
      assertEquals(List.of(new Versioned<>(second, 1)), s.findBy(byBlind, blindIndex), "index after erasure");
      assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
        tx.insert(Tables.CONTACTS, third);
        return null;
      }), "the blind index is taken again by the second contact");
    }
  }

  /** Three distinct duckling ids. */
  @Provide
  public Arbitrary<List<DucklingId>> distinctDucklingIds() {
    return StorageArbitraries.ducklingIds().list().ofSize(3).uniqueElements();
  }

  /** Blind index values. */
  @Provide
  public Arbitrary<String> blindIndexes() {
    return StorageArbitraries.blindIndexes();
  }

  /** Encrypted emails. */
  @Provide
  public Arbitrary<Bytes> emails() {
    return StorageArbitraries.bytes();
  }

  // ================================================================== atomicity (I4)

  /** How a {@link FailingUnit} fails. */
  public enum Failure {
    /** The unit throws its own runtime exception after all its writes. */
    THROWS,
    /** A stale check fails at commit; it is the unit's first operation. */
    CONFLICT_FIRST,
    /** A stale check fails at commit; it is the unit's last operation. */
    CONFLICT_LAST,
    /** Inserting a key that exists fails at commit; it is the unit's last operation. */
    DUPLICATE_INSERT_LAST
  }

  /** What a failing unit does to one pre-existing row. */
  public enum RowAction {
    /** Leaves it alone. */
    NONE,
    /** Updates it to the lineage's first update. */
    UPDATE,
    /** Deletes it. */
    DELETE,
    /** Requires it unchanged (a read condition that holds). */
    CHECK
  }

  /**
   * A unit that writes and appends and then fails, with the state before it.
   *
   * @param existing rows present before the unit (each with a candidate update)
   * @param actions what the unit does to each existing row (same length as {@code existing})
   * @param inserts new rows the unit inserts
   * @param priorDrafts audit drafts appended before the unit
   * @param drafts audit drafts the unit appends
   * @param failure how the unit fails
   */
  public record FailingUnit(
      List<Lineage<?>> existing,
      List<RowAction> actions,
      List<TableValue<?>> inserts,
      List<AuditDraft> priorDrafts,
      List<AuditDraft> drafts,
      Failure failure) {
    public FailingUnit {
      existing = List.copyOf(existing);
      actions = List.copyOf(actions);
      inserts = List.copyOf(inserts);
      priorDrafts = List.copyOf(priorDrafts);
      drafts = List.copyOf(drafts);
      Objects.requireNonNull(failure, "failure");
      if (actions.size() != existing.size()) {
        throw new IllegalArgumentException("one action per existing row");
      }
    }
  }

  /** Failing units over distinct rows of every table. */
  @Provide
  public Arbitrary<FailingUnit> failingUnits() {
    Arbitrary<List<Lineage<?>>> existing = StorageArbitraries.lineages(1).list().ofMaxSize(6);
    Arbitrary<List<TableValue<?>>> inserts = StorageArbitraries.tableValues().list().ofMaxSize(6);
    Arbitrary<List<RowAction>> actions = Arbitraries.of(RowAction.class).list().ofSize(6);
    Arbitrary<List<AuditDraft>> prior = StorageArbitraries.auditDrafts().list().ofMaxSize(3);
    Arbitrary<List<AuditDraft>> drafts = StorageArbitraries.auditDrafts().list().ofMaxSize(3);
    return Combinators.combine(existing, actions, inserts, prior, drafts, Arbitraries.of(Failure.class))
        .as(StorageContract::distinctFailingUnit);
  }

  private static FailingUnit distinctFailingUnit(
      List<Lineage<?>> existing, List<RowAction> actions, List<TableValue<?>> inserts, List<AuditDraft> prior, List<AuditDraft> drafts, Failure f) {
    Set<String> seen = new HashSet<>();
    seen.add(Tables.META.name() + "\u0000" + SENTINEL);
    List<Lineage<?>> ex = new ArrayList<>();
    List<RowAction> acts = new ArrayList<>();
    for (int i = 0; i < existing.size(); i++) {
      Lineage<?> l = existing.get(i);
      Set<String> claims = new HashSet<>(l.firstRow().claims());
      claims.addAll(updatedRow(l).claims());
      if (claims.stream().noneMatch(seen::contains)) {
        seen.addAll(claims);
        ex.add(l);
        acts.add(actions.get(i));
      }
    }
    List<TableValue<?>> ins = new ArrayList<>();
    for (TableValue<?> tv : inserts) {
      if (tv.claims().stream().noneMatch(seen::contains)) {
        seen.addAll(tv.claims());
        ins.add(tv);
      }
    }
    return new FailingUnit(ex, acts, ins, prior, drafts, f);
  }

  private static <V> TableValue<V> updatedRow(Lineage<V> l) {
    return l.firstRow().with(l.updates().get(0));
  }

  private static final String SENTINEL = "conformance.sentinel";

  /** The unit's own exception: the store must let it through and apply nothing. */
  static final class UnitAborted extends RuntimeException {
    UnitAborted() {
      super("unit aborted on purpose by the conformance kit");
    }
  }

  /**
   * A unit that performs several writes and audit appends and then throws, or hits a conflict,
   * leaves no trace: no row changed, no index changed, no audit event, the head unchanged. Run again
   * without the failure, the same unit applies all of it.
   */
  @Property(tries = 100)
  @Tag("I4")
  @Label("I4 a failed unit leaves no trace; the same unit without the failure applies fully")
  public void failedUnit_leavesNoTrace(@ForAll("failingUnits") FailingUnit unit) {
    try (Storage s = openStore()) {
      MetaRecord sentinel = new MetaRecord(SENTINEL, "0");
      s.execute(tx -> {
        tx.insert(Tables.META, sentinel);
        unit.existing().forEach(l -> insert(tx, l.firstRow()));
        unit.priorDrafts().forEach(tx::appendAudit);
        return null;
      });
      Versioned<MetaRecord> staleSentinel = new Versioned<>(sentinel, 1);
      s.execute(tx -> {
        tx.update(Tables.META, staleSentinel, new MetaRecord(SENTINEL, "1"));
        return null;
      });
      Optional<AuditHead> headBefore = s.auditHead();
      List<AuditEvent> eventsBefore = s.auditRange(1, Integer.MAX_VALUE);
      Map<String, Optional<?>> rowsBefore = snapshotRows(s, unit);
      Map<IndexEntry<?>, List<?>> indexBefore = snapshotIndexes(s, unit);

      RuntimeException thrown =
          assertThrows(RuntimeException.class, () -> s.execute(tx -> {
            runFailingUnit(tx, unit, Optional.of(unit.failure()), staleSentinel);
            return null;
          }), "the failing unit must fail");
      if (unit.failure() == Failure.THROWS) {
        assertInstanceOf(UnitAborted.class, thrown, "execute must rethrow what the unit threw");
      } else {
        assertInstanceOf(StorageConflictException.class, thrown, "a failed condition is a conflict");
      }

      assertEquals(headBefore, s.auditHead(), "audit head after a failed unit");
      assertEquals(eventsBefore, s.auditRange(1, Integer.MAX_VALUE), "audit events after a failed unit");
      assertEquals(rowsBefore, snapshotRows(s, unit), "rows after a failed unit");
      assertEquals(indexBefore, snapshotIndexes(s, unit), "indexes after a failed unit");

      // Control: the same unit without its failure commits all of it, so the writes above were real.
      s.execute(tx -> {
        runFailingUnit(tx, unit, Optional.empty(), staleSentinel);
        return null;
      });
      for (int i = 0; i < unit.existing().size(); i++) {
        checkAppliedAction(s, unit.existing().get(i), unit.actions().get(i));
      }
      for (TableValue<?> r : unit.inserts()) {
        assertEquals(Optional.of(new Versioned<>(r.value(), 1)), getRaw(s, r), "inserted by the control unit: " + r);
      }
      List<AuditDraft> expected = new ArrayList<>(unit.priorDrafts());
      expected.addAll(unit.drafts());
      assertChain(s, expected);
    }
  }

  private static void runFailingUnit(Transaction tx, FailingUnit u, Optional<Failure> failure, Versioned<MetaRecord> stale) {
    if (failure.equals(Optional.of(Failure.CONFLICT_FIRST))) {
      tx.check(Tables.META, stale);
    }
    for (int i = 0; i < u.existing().size(); i++) {
      applyAction(tx, u.existing().get(i), u.actions().get(i));
    }
    u.inserts().forEach(r -> insert(tx, r));
    u.drafts().forEach(tx::appendAudit);
    if (failure.equals(Optional.of(Failure.CONFLICT_LAST))) {
      tx.check(Tables.META, stale);
    } else if (failure.equals(Optional.of(Failure.DUPLICATE_INSERT_LAST))) {
      tx.insert(Tables.META, stale.value());
    } else if (failure.equals(Optional.of(Failure.THROWS))) {
      throw new UnitAborted();
    }
  }

  private static <V> void applyAction(Transaction tx, Lineage<V> l, RowAction a) {
    Versioned<V> v1 = new Versioned<>(l.first(), 1);
    switch (a) {
      case NONE -> {}
      case UPDATE -> tx.update(l.table(), v1, l.updates().get(0));
      case DELETE -> tx.delete(l.table(), v1);
      case CHECK -> tx.check(l.table(), v1);
    }
  }

  private static <V> void checkAppliedAction(Storage s, Lineage<V> l, RowAction a) {
    Optional<Versioned<V>> expected =
        switch (a) {
          case NONE, CHECK -> Optional.of(new Versioned<>(l.first(), 1));
          case UPDATE -> Optional.of(new Versioned<>(l.updates().get(0), 2));
          case DELETE -> Optional.empty();
        };
    assertEquals(expected, s.get(l.table(), l.key()), a + " by the control unit on " + l);
  }

  private static Map<String, Optional<?>> snapshotRows(Storage s, FailingUnit u) {
    Map<String, Optional<?>> out = new HashMap<>();
    out.put("meta:" + SENTINEL, s.get(Tables.META, SENTINEL));
    for (Lineage<?> l : u.existing()) {
      out.put(l.table().name() + ":" + l.key(), getRaw(s, l.firstRow()));
    }
    for (TableValue<?> r : u.inserts()) {
      out.put(r.table().name() + ":" + r.key(), getRaw(s, r));
    }
    return out;
  }

  private static Map<IndexEntry<?>, List<?>> snapshotIndexes(Storage s, FailingUnit u) {
    Map<IndexEntry<?>, List<?>> out = new HashMap<>();
    List<TableValue<?>> rows = new ArrayList<>(u.inserts());
    for (Lineage<?> l : u.existing()) {
      rows.add(l.firstRow());
      rows.add(updatedRow(l));
    }
    for (TableValue<?> r : rows) {
      for (IndexEntry<?> e : r.indexEntries()) {
        out.put(e, findByRaw(s, e));
      }
    }
    return out;
  }

  // ================================================================== outcomes after the commit point

  /**
   * Optional capability: stores whose next commit can be made to fail right after its commit point, and
   * that can be opened again over the same data (see {@link CommitFaults}). Empty by default: a store
   * without a commit point (one in memory) has nothing to fail after, and the cases that need it report
   * that they do not apply (JUnit shows them as aborted, with the reason). A backend with a journal, a
   * write-ahead log or a database commit should override this: those cases are where a store most
   * easily tells a caller "not applied" about a unit that is durable.
   */
  protected Optional<CommitFaults> commitFaults() {
    return Optional.empty();
  }

  /**
   * A unit with an audit event whose commit fails right after its commit point: the caller is told it
   * committed or that the outcome is unknown ({@link StorageOutcomeUnknownException}) — never "not
   * applied" (a plain {@link StorageException}, a conflict or any other exception), because the unit is
   * durable. The next open of the store has the unit exactly once: its row at version 1 and its one
   * audit event on a chain that verifies (I4, A5); and the store goes on working.
   */
  @Example
  @Tag("SPI")
  @Tag("I4")
  @Label("SPI I4 a failure after the commit point, audited unit: never 'not applied'; the next open has the unit once")
  public void failureAfterCommitPoint_auditedUnit_neverNotApplied() {
    failAfterCommitPoint(true);
  }

  /**
   * The same for a unit without audit events (pulses and plain row writes have no event that a store
   * can look up to learn whether its commit happened): committed if the store can tell, else outcome
   * unknown — never "not applied".
   */
  @Example
  @Tag("SPI")
  @Tag("I4")
  @Label("SPI I4 a failure after the commit point, unit without audit events: never 'not applied'; the next open has it")
  public void failureAfterCommitPoint_unitWithoutAuditEvents_neverNotApplied() {
    failAfterCommitPoint(false);
  }

  private void failAfterCommitPoint(boolean audited) {
    CommitFaults faults =
        commitFaults()
            .orElseThrow(
                () ->
                    new TestAbortedException(
                        "does not apply: this store's test factory declares no commit point to fail after"
                            + " (StorageContract.commitFaults() is empty, as for a store in memory)"));
    Storage s = fence.open(() -> Objects.requireNonNull(faults.newStore(), "CommitFaults.newStore() returned null"));
    MetaRecord before = new MetaRecord("conformance.before", "durable");
    s.execute(tx -> {
      tx.insert(Tables.META, before);
      tx.appendAudit(commitPointDraft("before"));
      return null;
    });
    faults.failNextCommitAfterCommitPoint(s);
    MetaRecord row = new MetaRecord("conformance.after-commit-point", audited ? "audited" : "plain");
    String told;
    try {
      told = s.execute(tx -> {
        tx.insert(Tables.META, row);
        if (audited) {
          tx.appendAudit(commitPointDraft("after-commit-point"));
        }
        return "committed";
      });
      assertEquals("committed", told, "execute returns the unit's result");
    } catch (StorageOutcomeUnknownException e) {
      told = "outcome unknown";
    } catch (RuntimeException e) {
      throw new AssertionError(
          "a failure after the commit point was reported as 'not applied' (" + e.getClass().getName() + ": " + e.getMessage()
              + "); the unit is durable, so the store must return normally or throw StorageOutcomeUnknownException",
          e);
    }
    if (told.equals("committed")) {
      Optional<Versioned<MetaRecord>> seen;
      try {
        seen = s.get(Tables.META, row.name());
      } catch (StorageException closed) {
        seen = null; // a store may close itself after such a failure (fail closed); then there is nothing to read
      }
      if (seen != null) {
        assertEquals(Optional.of(new Versioned<>(row, 1)), seen, "told committed, but a read on the same store does not show the unit");
      }
    }
    Storage again = fence.open(() -> Objects.requireNonNull(faults.reopen(s), "CommitFaults.reopen() returned null"));
    assertEquals(Optional.of(new Versioned<>(before, 1)), again.get(Tables.META, before.name()), "the unit before, after reopening");
    assertEquals(
        Optional.of(new Versioned<>(row, 1)),
        again.get(Tables.META, row.name()),
        "the next open does not have the unit whose commit failed after its commit point (told: " + told + ")");
    List<AuditEvent> events = again.auditRange(1, Integer.MAX_VALUE);
    assertEquals(
        audited ? List.of("before", "after-commit-point") : List.of("before"),
        events.stream().map(AuditEvent::resource).collect(Collectors.toList()),
        "audit events after reopening: the unit's exactly once (I4)");
    assertOneLinearChain(again, events);
    MetaRecord later = new MetaRecord("conformance.after-reopen", "v");
    again.execute(tx -> {
      tx.insert(Tables.META, later);
      tx.appendAudit(commitPointDraft("after-reopen"));
      return null;
    });
    assertEquals(Optional.of(new Versioned<>(later, 1)), again.get(Tables.META, later.name()), "the reopened store works");
    assertOneLinearChain(again, again.auditRange(1, Integer.MAX_VALUE));
  }

  private static AuditDraft commitPointDraft(String resource) {
    return systemDraft("conformance.commit-point", resource);
  }

  /** A successful system event of {@code action} on {@code resource}, at the kit's audit epoch. */
  private static AuditDraft systemDraft(String action, String resource) {
    return AuditDraft.of(
        action,
        AuditEvent.SYSTEM_ACTOR,
        resource,
        Optional.empty(),
        StorageArbitraries.AUDIT_EPOCH,
        "conformance",
        ReasonCode.NONE,
        AuditOutcome.SUCCESS,
        Map.of());
  }

  // ================================================================== audit chain (A1, A3, A4, A5)

  /** Audit drafts. */
  @Provide
  public Arbitrary<AuditDraft> auditDrafts() {
    return StorageArbitraries.auditDrafts();
  }

  /** 0–12 units of 0–3 drafts each. */
  @Provide
  public Arbitrary<List<List<AuditDraft>>> auditUnits() {
    return StorageArbitraries.auditDrafts().list().ofMaxSize(3).list().ofMaxSize(12);
  }

  /**
   * Over random units of 0–3 appends (some also writing a row): {@code seq} is gapless from 1, each
   * {@code prev_hash} is the previous {@code hash} ({@link Hash#ZERO} first), each hash is {@link
   * AuditChain#computeHash}, each event carries its draft's fields in append order, {@link
   * AuditChain#verify} accepts the chain with the right count and head, {@code auditHead} is the last
   * event's head after every unit, and paging through {@code auditRange} gives the same events.
   */
  @Property(tries = 100)
  @Tag("A1")
  @Tag("A3")
  @Tag("A5")
  @Label("A1 A3 A5 appends form one gapless, linked chain that verifies")
  public void auditChain_isGaplessLinkedAndVerifies(
      @ForAll("auditUnits") List<List<AuditDraft>> units, @ForAll @IntRange(min = 1, max = 7) int pageSize) {
    try (Storage s = openStore()) {
      List<AuditDraft> all = new ArrayList<>();
      for (int u = 0; u < units.size(); u++) {
        List<AuditDraft> unit = units.get(u);
        MetaRecord row = new MetaRecord("conformance.unit." + u, "u" + u);
        boolean writes = u % 2 == 0;
        s.execute(tx -> {
          if (writes) {
            tx.insert(Tables.META, row);
          }
          unit.forEach(tx::appendAudit);
          return null;
        });
        all.addAll(unit);
        Optional<AuditHead> head = s.auditHead();
        if (all.isEmpty()) {
          assertEquals(Optional.empty(), head, "head while the chain is empty");
        } else {
          assertEquals(all.size(), head.map(AuditHead::seq).orElse(0L), "head seq after unit " + u);
        }
      }
      List<AuditEvent> events = assertChain(s, all);
      List<AuditEvent> paged = new ArrayList<>();
      for (long from = 1; ; from += pageSize) {
        List<AuditEvent> page = s.auditRange(from, pageSize);
        if (page.isEmpty()) {
          break;
        }
        assertTrue(page.size() <= pageSize, "page larger than its limit");
        paged.addAll(page);
        if (paged.size() > events.size()) {
          break;
        }
      }
      assertEquals(events, paged, "auditRange pages");
    }
  }

  /** Whether every event is linked and the store's head matches; returns the events. */
  static List<AuditEvent> assertChain(Storage s, List<AuditDraft> drafts) {
    List<AuditEvent> events = s.auditRange(1, Integer.MAX_VALUE);
    assertEquals(drafts.size(), events.size(), "number of audit events");
    Hash prev = Hash.ZERO;
    for (int i = 0; i < events.size(); i++) {
      AuditEvent e = events.get(i);
      assertEquals(i + 1L, e.seq(), "seq of event " + i);
      assertEquals(prev, e.prevHash(), "prev_hash of seq " + e.seq());
      assertEquals(AuditChain.computeHash(e), e.hash(), "hash of seq " + e.seq());
      assertEquals(drafts.get(i), AuditChain.draftOf(e), "fields of seq " + e.seq());
      prev = e.hash();
    }
    Optional<AuditHead> head = events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1).head());
    assertEquals(head, s.auditHead(), "auditHead");
    AuditVerification v = AuditChain.verify(events.iterator(), s.auditHead());
    assertTrue(v.valid(), () -> "chain does not verify: " + v.problem().orElse("?"));
    assertEquals(events.size(), v.eventsVerified(), "events verified");
    assertEquals(head, v.head(), "verified head");
    return events;
  }

  /** Draft lists for the range and query properties. */
  @Provide
  public Arbitrary<List<AuditDraft>> auditDraftLists() {
    return StorageArbitraries.auditDrafts().list().ofMaxSize(30);
  }

  /** Start positions for {@code auditRange}: near the chain, and the extremes. */
  @Provide
  public Arbitrary<Long> fromSeqs() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.longs().between(-3, 35)),
        Tuple.of(1, Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, (long) Integer.MAX_VALUE + 2)));
  }

  /** Limits: small, and the largest. */
  @Provide
  public Arbitrary<Integer> limits() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.integers().between(0, 35)), Tuple.of(1, Arbitraries.just(Integer.MAX_VALUE)));
  }

  /**
   * {@code auditRange(fromSeq, limit)} is exactly the events with {@code seq >= fromSeq}, ascending,
   * at most {@code limit} of them — for any {@code fromSeq}, including values below 1 and the
   * extremes, and for any non-negative limit.
   */
  @Property(tries = 100)
  @Tag("A3")
  @Label("A3 auditRange returns exactly the contiguous slice from fromSeq")
  public void auditRange_returnsTheSlice(
      @ForAll("auditDraftLists") List<AuditDraft> drafts, @ForAll("fromSeqs") long fromSeq, @ForAll("limits") int limit) {
    try (Storage s = openStore()) {
      s.execute(tx -> {
        drafts.forEach(tx::appendAudit);
        return null;
      });
      List<AuditEvent> all = assertChain(s, drafts);
      List<AuditEvent> expected =
          all.stream().filter(e -> e.seq() >= fromSeq).limit(limit).collect(Collectors.toList());
      assertEquals(expected, s.auditRange(fromSeq, limit), "auditRange(" + fromSeq + ", " + limit + ")");
    }
  }

  /** Audit filters over the draft pools. */
  @Provide
  public Arbitrary<AuditFilter> auditFilters() {
    return StorageArbitraries.auditFilters();
  }

  /**
   * {@code auditQuery} equals the reference {@link AuditFilter#matches} over all events in seq order:
   * every page is exactly the next {@code min(limit, remaining)} matches after {@code afterSeq}, and
   * paging with the last seen seq yields each matching event exactly once.
   */
  @Property(tries = 100)
  @Tag("A4")
  @Label("A4 auditQuery matches the reference filter; pages give each match exactly once")
  public void auditQuery_matchesReferenceAndPagesOnce(
      @ForAll("auditUnits") List<List<AuditDraft>> units,
      @ForAll("auditFilters") AuditFilter filter,
      @ForAll @IntRange(min = 1, max = 7) int pageSize,
      @ForAll("fromSeqs") long afterSeq) {
    try (Storage s = openStore()) {
      units.forEach(unit -> s.execute(tx -> {
        unit.forEach(tx::appendAudit);
        return null;
      }));
      List<AuditEvent> all = s.auditRange(1, Integer.MAX_VALUE);
      List<AuditEvent> matching = all.stream().filter(filter::matches).collect(Collectors.toList());
      assertEquals(matching, s.auditQuery(filter, 0, Integer.MAX_VALUE), "auditQuery(filter, 0, max)");
      assertEquals(
          matching.stream().filter(e -> e.seq() > afterSeq).limit(pageSize).collect(Collectors.toList()),
          s.auditQuery(filter, afterSeq, pageSize),
          "auditQuery(filter, " + afterSeq + ", " + pageSize + ")");
      List<AuditEvent> paged = new ArrayList<>();
      long after = 0;
      for (int round = 0; round <= matching.size(); round++) {
        long a = after;
        List<AuditEvent> page = s.auditQuery(filter, after, pageSize);
        List<AuditEvent> expectedPage =
            matching.stream().filter(e -> e.seq() > a).limit(pageSize).collect(Collectors.toList());
        assertEquals(expectedPage, page, "page after seq " + after);
        if (page.isEmpty()) {
          break;
        }
        paged.addAll(page);
        after = page.get(page.size() - 1).seq();
      }
      assertEquals(matching, paged, "concatenated pages");
    }
  }

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
  public void auditPaging_isStableUnderConcurrentAppends(
      @ForAll @IntRange(min = 1, max = 6) int writers,
      @ForAll @IntRange(min = 1, max = 20) int unitsPerWriter,
      @ForAll @IntRange(min = 1, max = 3) int draftsPerUnit,
      @ForAll @IntRange(min = 1, max = 7) int pageSize,
      @ForAll boolean oneActor) {
    String actor = "dk_" + "w".repeat(25) + "0";
    AuditFilter filter =
        oneActor ? new AuditFilter(Optional.empty(), Optional.empty(), Optional.of(actor), Optional.empty(), Optional.empty(), Optional.empty())
            : AuditFilter.ALL;
    try (Storage s = openStore()) {
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
          Concurrently.run(tasks, THREAD_TIMEOUT_SECONDS, writers, () -> writersDone.set(true));
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

  /** A page read: {@code (fromSeq, limit)}, inclusive of {@code fromSeq}. */
  @FunctionalInterface
  private interface PageRead {
    List<AuditEvent> read(long fromSeq, int limit);
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

  // ================================================================== concurrency (A5, CAS)

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
  public void concurrentReadModifyWrite_losesNoUpdate(
      @ForAll @IntRange(min = 2, max = 8) int threads, @ForAll @IntRange(min = 1, max = 25) int unitsPerThread) {
    try (Storage s = openStore()) {
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
      List<List<Long>> results = Concurrently.run(workers, THREAD_TIMEOUT_SECONDS);
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

  /** The events are seq 1..n without duplicates, linked, hashed, and verify with the store's head. */
  static void assertOneLinearChain(Storage s, List<AuditEvent> events) {
    Set<Long> seqs = new HashSet<>();
    Hash prev = Hash.ZERO;
    for (int i = 0; i < events.size(); i++) {
      AuditEvent e = events.get(i);
      assertTrue(seqs.add(e.seq()), "duplicate seq " + e.seq());
      assertEquals(i + 1L, e.seq(), "gap or reordering at position " + i);
      assertEquals(prev, e.prevHash(), "fork: prev_hash of seq " + e.seq());
      assertEquals(AuditChain.computeHash(e), e.hash(), "hash of seq " + e.seq());
      prev = e.hash();
    }
    AuditVerification v = AuditChain.verify(events.iterator(), s.auditHead());
    assertTrue(v.valid(), () -> "chain does not verify: " + v.problem().orElse("?"));
    assertEquals(events.size(), v.eventsVerified(), "events verified");
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
  public void racingUpdates_exactlyOneWins(
      @ForAll @IntRange(min = 2, max = 6) int racers, @ForAll @IntRange(min = 1, max = 10) int rounds) {
    try (Storage s = openStore()) {
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
            Concurrently.run(units, THREAD_TIMEOUT_SECONDS).stream().flatMap(Optional::stream).collect(Collectors.toList());
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
   * each unit's events in append order, and no snapshot ever shows part of a unit.
   */
  @Property(tries = 20)
  @Tag("A5")
  @Tag("I4")
  @Label("A5 I4 concurrent appends form one chain; readers never see half a unit")
  public void concurrentAppends_formOneChain(
      @ForAll @IntRange(min = 2, max = 8) int threads,
      @ForAll @IntRange(min = 1, max = 20) int unitsPerThread,
      @ForAll @IntRange(min = 1, max = 3) int draftsPerUnit) {
    try (Storage s = openStore()) {
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
      Concurrently.run(tasks, THREAD_TIMEOUT_SECONDS, writers.size(), () -> writersDone.set(true));
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
   * round, each unit's events in append order.
   */
  @Property(tries = 20)
  @Tag("A5")
  @Label("A5 units committed in lockstep from many threads form one linear chain")
  public void lockstepAppends_formOneChain(
      @ForAll @IntRange(min = 2, max = 8) int threads,
      @ForAll @IntRange(min = 1, max = 30) int rounds,
      @ForAll @IntRange(min = 1, max = 3) int draftsPerUnit) {
    try (Storage s = openStore()) {
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
            round.await(THREAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
          }
          return rounds;
        });
      }
      Concurrently.run(tasks, THREAD_TIMEOUT_SECONDS);
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
  public void concurrentIndexMoves_findByReturnsOnlyMatches(
      @ForAll @IntRange(min = 100, max = 600) int moves, @ForAll @IntRange(min = 1, max = 3) int readers) {
    Index<ContactRecord> idx = Tables.CONTACTS_BY_BLIND_INDEX;
    DucklingId id = new DucklingId("dk_" + "m".repeat(26));
    List<String> keys = List.of("bi-x", "bi-y");
    try (Storage s = openStore()) {
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
      Concurrently.run(tasks, THREAD_TIMEOUT_SECONDS, 1, () -> done.set(true));
      assertEquals(1 + moves, s.get(Tables.CONTACTS, id.value()).orElseThrow().version(), "every move committed");
    }
  }

  // ================================================================== serializability (H4, CAS, I4)

  /*
   * A store may batch many units into one commit and apply a unit's writes in any order, but the outcome
   * of concurrent units must equal some serial order of them, each unit judged on its END state: a
   * unique value may move between rows inside one unit, and two units must not both commit when no
   * serial order lets them. The examples below always run (fixed inputs), on every backend.
   */

  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  /** A duckling id per role letter and pair number, so that concurrent pairs never share a row. */
  static DucklingId roleId(char role, int pair) {
    return new DucklingId("dk_" + String.valueOf(role).repeat(24) + BASE32.charAt(pair / 32 % 32) + BASE32.charAt(pair % 32));
  }

  /** A live contact holding {@code blindIndex}, or an erased one (no blind index, no email) when empty. */
  static ContactRecord contact(DucklingId id, Optional<String> blindIndex) {
    return new ContactRecord(id, blindIndex, blindIndex.map(b -> Bytes.of(("mail of " + b).getBytes(StandardCharsets.UTF_8))));
  }

  private static ContactRecord contact(DucklingId id, String blindIndex) {
    return contact(id, Optional.of(blindIndex));
  }

  private static ContactRecord erased(DucklingId id) {
    return contact(id, Optional.empty());
  }

  private static <V> Versioned<V> v1(V value) {
    return new Versioned<>(value, 1);
  }

  private static AuditDraft unitDraft(String resource) {
    return systemDraft("conformance.unit", resource);
  }

  /** Runs {@code unit} (plus one audit event) and fails the property if the store refuses it as a conflict. */
  private static void mustCommit(Storage s, String what, TxStep unit) {
    try {
      s.execute(tx -> {
        unit.run(tx);
        tx.appendAudit(unitDraft(what));
        return null;
      });
    } catch (StorageConflictException e) {
      fail(what + ": refused as a conflict although the unit's end state is valid (" + e.getMessage() + ")", e);
    }
  }

  /** A contact row's committed state. */
  private static Optional<Versioned<ContactRecord>> contactRow(Storage s, DucklingId id) {
    return s.get(Tables.CONTACTS, id.value());
  }

  /** The rows holding {@code blindIndex} are exactly {@code holders}. */
  private static void assertHolders(Storage s, String what, String blindIndex, List<Versioned<ContactRecord>> holders) {
    assertEquals(holders, s.findBy(Tables.CONTACTS_BY_BLIND_INDEX, blindIndex), what + ": rows holding " + blindIndex);
  }

  /**
   * A unit gives a contact's blind index to another contact and erases it from the first — valid at
   * the unit's end, though a store applying the writes one by one with an immediate unique check sees
   * a duplicate in between (the CI failure of issue 14). Both listing orders commit.
   */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS a unique value moved from one row to another in one unit commits, whichever write is listed first")
  public void uniqueValueMovedWithinOneUnit_commits() {
    for (boolean takeFirst : new boolean[] {true, false}) {
      String what = "move of bi-a from c to b, " + (takeFirst ? "take listed first" : "release listed first");
      DucklingId b = roleId('b', 0);
      DucklingId c = roleId('c', 0);
      try (Storage s = openStore()) {
        mustCommit(s, "seed", tx -> {
          tx.insert(Tables.CONTACTS, erased(b));
          tx.insert(Tables.CONTACTS, contact(c, "bi-a"));
        });
        mustCommit(s, what, tx -> {
          TxStep take = t -> t.update(Tables.CONTACTS, v1(erased(b)), contact(b, "bi-a"));
          TxStep release = t -> t.update(Tables.CONTACTS, v1(contact(c, "bi-a")), erased(c));
          (takeFirst ? take : release).run(tx);
          (takeFirst ? release : take).run(tx);
        });
        assertEquals(Optional.of(new Versioned<>(contact(b, "bi-a"), 2)), contactRow(s, b), what + ": b");
        assertEquals(Optional.of(new Versioned<>(erased(c), 2)), contactRow(s, c), what + ": c");
        assertHolders(s, what, "bi-a", List.of(new Versioned<>(contact(b, "bi-a"), 2)));
      }
    }
  }

  /** Two contacts swap their blind indexes in one unit: a duplicate after either first write, unique at the end. */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS two rows swapping unique values in one unit commit")
  public void uniqueValuesSwappedWithinOneUnit_commit() {
    for (boolean bFirst : new boolean[] {true, false}) {
      String what = "swap of bi-a and bi-b, " + (bFirst ? "b listed first" : "c listed first");
      DucklingId b = roleId('b', 0);
      DucklingId c = roleId('c', 0);
      try (Storage s = openStore()) {
        mustCommit(s, "seed", tx -> {
          tx.insert(Tables.CONTACTS, contact(b, "bi-a"));
          tx.insert(Tables.CONTACTS, contact(c, "bi-b"));
        });
        mustCommit(s, what, tx -> {
          TxStep moveB = t -> t.update(Tables.CONTACTS, v1(contact(b, "bi-a")), contact(b, "bi-b"));
          TxStep moveC = t -> t.update(Tables.CONTACTS, v1(contact(c, "bi-b")), contact(c, "bi-a"));
          (bFirst ? moveB : moveC).run(tx);
          (bFirst ? moveC : moveB).run(tx);
        });
        assertHolders(s, what, "bi-a", List.of(new Versioned<>(contact(c, "bi-a"), 2)));
        assertHolders(s, what, "bi-b", List.of(new Versioned<>(contact(b, "bi-b"), 2)));
      }
    }
  }

  /** A unit deletes the contact holding a blind index and inserts another contact with it, in either order. */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS a unique value released by a delete and taken by an insert in one unit commits, in either order")
  public void uniqueValueReleasedByDeleteTakenByInsertInOneUnit_commits() {
    for (boolean insertFirst : new boolean[] {true, false}) {
      String what = "delete c, insert d with its bi-a, " + (insertFirst ? "insert listed first" : "delete listed first");
      DucklingId c = roleId('c', 0);
      DucklingId d = roleId('d', 0);
      try (Storage s = openStore()) {
        mustCommit(s, "seed", tx -> tx.insert(Tables.CONTACTS, contact(c, "bi-a")));
        mustCommit(s, what, tx -> {
          TxStep insert = t -> t.insert(Tables.CONTACTS, contact(d, "bi-a"));
          TxStep delete = t -> t.delete(Tables.CONTACTS, v1(contact(c, "bi-a")));
          (insertFirst ? insert : delete).run(tx);
          (insertFirst ? delete : insert).run(tx);
        });
        assertEquals(Optional.empty(), contactRow(s, c), what + ": c");
        assertHolders(s, what, "bi-a", List.of(v1(contact(d, "bi-a"))));
      }
    }
  }

  /** A committed row of any table, for comparing a pair's end state with a serial order's. */
  public record RowRef(Table<?> table, String key) {
    @Override
    public String toString() {
      return table.name() + "[" + key + "]";
    }
  }

  /** One unit of a pair (its writes; the kit adds one audit event), given the pair's number. */
  @FunctionalInterface
  public interface PairUnit {
    void run(Transaction tx, int pair);
  }

  /**
   * What one serial order of a pair's two units gives: whether each commits, and the pair's rows after
   * (empty: no row).
   */
  public record SerialOutcome(String order, boolean firstCommits, boolean secondCommits, Map<RowRef, Optional<Versioned<?>>> rows) {
    public SerialOutcome {
      rows = Map.copyOf(rows);
    }
  }

  /** How many independent pairs a cross-unit example submits at once, so a group-committing store batches pairs. */
  static final int PAIRS = 8;

  /**
   * Seeds {@link #PAIRS} pairs of rows, then runs both units of every pair at once on their own
   * threads — the two units of a pair hand their writes to the store at the same instant (each waits
   * for the other at the end of its body), so a store that batches units commits most pairs in one
   * batch. Each pair's outcome (who committed, who conflicted) and rows must equal one of the pair's
   * serial orders; the audit chain holds one event per committed unit.
   */
  private void runPairs(String what, PairUnit seed, PairUnit first, PairUnit second, java.util.function.IntFunction<List<SerialOutcome>> serial) {
    try (Storage s = openStore()) {
      for (int p = 0; p < PAIRS; p++) {
        int pair = p;
        s.execute(tx -> {
          seed.run(tx, pair);
          return null;
        });
      }
      long headBefore = s.auditHead().map(AuditHead::seq).orElse(0L);
      List<Callable<Boolean>> tasks = new ArrayList<>();
      for (int p = 0; p < PAIRS; p++) {
        int pair = p;
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(2);
        for (PairUnit unit : List.of(first, second)) {
          String resource = what + " pair " + pair + (unit == first ? " first" : " second");
          tasks.add(() -> {
            try {
              s.execute(tx -> {
                unit.run(tx, pair);
                tx.appendAudit(unitDraft(resource));
                gate.countDown();
                try {
                  gate.await(10, TimeUnit.SECONDS); // only makes one batch likely; a store may run bodies one by one
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return null;
              });
              return true;
            } catch (StorageConflictException conflict) {
              return false;
            }
          });
        }
      }
      List<Boolean> committed = Concurrently.run(tasks, THREAD_TIMEOUT_SECONDS);
      long commits = committed.stream().filter(c -> c).count();
      for (int p = 0; p < PAIRS; p++) {
        boolean c1 = committed.get(2 * p);
        boolean c2 = committed.get(2 * p + 1);
        List<SerialOutcome> orders = serial.apply(p);
        Map<RowRef, Optional<Versioned<?>>> actual = new LinkedHashMap<>();
        for (RowRef r : orders.get(0).rows().keySet().stream().sorted(Comparator.comparing(RowRef::toString)).toList()) {
          actual.put(r, s.get(r.table(), r.key()).map(v -> (Versioned<?>) v));
        }
        boolean serializable =
            orders.stream().anyMatch(o -> o.firstCommits() == c1 && o.secondCommits() == c2 && o.rows().equals(actual));
        assertTrue(
            serializable,
            what + ", pair " + p + ": first " + (c1 ? "committed" : "conflicted") + ", second " + (c2 ? "committed" : "conflicted")
                + ", rows " + actual + " — no serial order of the two units gives this; the serial orders give " + orders);
      }
      assertEquals(headBefore + commits, s.auditHead().map(AuditHead::seq).orElse(0L), what + ": one audit event per committed unit");
    }
  }

  private static RowRef contactRef(DucklingId id) {
    return new RowRef(Tables.CONTACTS, id.value());
  }

  private static Map<RowRef, Optional<Versioned<?>>> rows(Object... refsAndRows) {
    Map<RowRef, Optional<Versioned<?>>> m = new HashMap<>();
    for (int i = 0; i < refsAndRows.length; i += 2) {
      @SuppressWarnings("unchecked")
      Optional<Versioned<?>> row = (Optional<Versioned<?>>) refsAndRows[i + 1];
      m.put((RowRef) refsAndRows[i], row);
    }
    return m;
  }

  private static Optional<Versioned<?>> row(Object value, long version) {
    return Optional.of(new Versioned<>(value, version));
  }

  private static String bi(String name, int pair) {
    return "bi-" + name + "-" + pair;
  }

  /**
   * Across two units submitted together: the first erases contact c's blind index, the second gives it
   * to contact b. After "first, second" both commit; after "second, first" the second conflicts (the
   * value was still taken). The second never commits alone.
   */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS a unique value moved across two units submitted together: the outcome is a serial order's")
  public void uniqueValueMovedAcrossTwoUnits_isSerializable() {
    runPairs(
        "move across two units",
        (tx, p) -> {
          tx.insert(Tables.CONTACTS, erased(roleId('b', p)));
          tx.insert(Tables.CONTACTS, contact(roleId('c', p), bi("a", p)));
        },
        (tx, p) -> tx.update(Tables.CONTACTS, v1(contact(roleId('c', p), bi("a", p))), erased(roleId('c', p))),
        (tx, p) -> tx.update(Tables.CONTACTS, v1(erased(roleId('b', p))), contact(roleId('b', p), bi("a", p))),
        p -> {
          RowRef b = contactRef(roleId('b', p));
          RowRef c = contactRef(roleId('c', p));
          return List.of(
              new SerialOutcome("first, second", true, true, rows(b, row(contact(roleId('b', p), bi("a", p)), 2), c, row(erased(roleId('c', p)), 2))),
              new SerialOutcome("second, first", true, false, rows(b, row(erased(roleId('b', p)), 1), c, row(erased(roleId('c', p)), 2))));
        });
  }

  /**
   * Two units submitted together each take the other's contact's blind index — by updates, or by
   * deleting its own contact and inserting a new one with the other's value. At the end of both, every
   * value is unique; but whichever runs first finds its value still taken, and then so does the other:
   * both conflict and nothing changes. A store that judges uniqueness only at the end of its batch
   * commits both.
   */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS two units swapping unique values, submitted together, both conflict as in every serial order")
  public void uniqueValuesSwappedAcrossTwoUnits_bothConflict() {
    runPairs(
        "swap across two units (updates)",
        (tx, p) -> {
          tx.insert(Tables.CONTACTS, contact(roleId('b', p), bi("a", p)));
          tx.insert(Tables.CONTACTS, contact(roleId('c', p), bi("b", p)));
        },
        (tx, p) -> tx.update(Tables.CONTACTS, v1(contact(roleId('b', p), bi("a", p))), contact(roleId('b', p), bi("b", p))),
        (tx, p) -> tx.update(Tables.CONTACTS, v1(contact(roleId('c', p), bi("b", p))), contact(roleId('c', p), bi("a", p))),
        p -> {
          Map<RowRef, Optional<Versioned<?>>> unchanged =
              rows(
                  contactRef(roleId('b', p)), row(contact(roleId('b', p), bi("a", p)), 1),
                  contactRef(roleId('c', p)), row(contact(roleId('c', p), bi("b", p)), 1));
          return List.of(new SerialOutcome("either order", false, false, unchanged));
        });
    runPairs(
        "swap across two units (delete and insert)",
        (tx, p) -> {
          tx.insert(Tables.CONTACTS, contact(roleId('b', p), bi("a", p)));
          tx.insert(Tables.CONTACTS, contact(roleId('c', p), bi("b", p)));
        },
        (tx, p) -> {
          tx.delete(Tables.CONTACTS, v1(contact(roleId('b', p), bi("a", p))));
          tx.insert(Tables.CONTACTS, contact(roleId('d', p), bi("b", p)));
        },
        (tx, p) -> {
          tx.delete(Tables.CONTACTS, v1(contact(roleId('c', p), bi("b", p))));
          tx.insert(Tables.CONTACTS, contact(roleId('e', p), bi("a", p)));
        },
        p -> {
          Map<RowRef, Optional<Versioned<?>>> unchanged =
              rows(
                  contactRef(roleId('b', p)), row(contact(roleId('b', p), bi("a", p)), 1),
                  contactRef(roleId('c', p)), row(contact(roleId('c', p), bi("b", p)), 1),
                  contactRef(roleId('d', p)), Optional.empty(),
                  contactRef(roleId('e', p)), Optional.empty());
          return List.of(new SerialOutcome("either order", false, false, unchanged));
        });
  }

  /**
   * Across two units submitted together: the first deletes contact c, the second inserts contact d
   * with c's blind index. After "first, second" both commit; after "second, first" the insert conflicts.
   */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS a unique value released by a delete and taken by an insert of another unit: the outcome is a serial order's")
  public void uniqueValueReleasedByDeleteTakenByInsertAcrossTwoUnits_isSerializable() {
    runPairs(
        "delete and insert across two units",
        (tx, p) -> tx.insert(Tables.CONTACTS, contact(roleId('c', p), bi("a", p))),
        (tx, p) -> tx.delete(Tables.CONTACTS, v1(contact(roleId('c', p), bi("a", p)))),
        (tx, p) -> tx.insert(Tables.CONTACTS, contact(roleId('d', p), bi("a", p))),
        p -> {
          RowRef c = contactRef(roleId('c', p));
          RowRef d = contactRef(roleId('d', p));
          return List.of(
              new SerialOutcome("first, second", true, true, rows(c, Optional.empty(), d, row(contact(roleId('d', p), bi("a", p)), 1))),
              new SerialOutcome("second, first", true, false, rows(c, Optional.empty(), d, Optional.empty())));
        });
  }

  private static final Instant SKEW_AT = StorageArbitraries.AUDIT_EPOCH;

  private static KeyRecord liveKey(char role, int pair) {
    KeyId id = new KeyId(String.valueOf(role).repeat(14) + BASE32.charAt(pair / 32 % 32) + BASE32.charAt(pair % 32));
    return new KeyRecord(new KeyInfo(id, roleId('o', pair), Optional.empty(), SKEW_AT, Optional.empty(), Optional.empty()), Bytes.of(new byte[] {9}));
  }

  /** {@code target} revoked by the owner of {@code by}. */
  private static KeyRecord revokedBy(KeyRecord target, KeyRecord by) {
    return new KeyRecord(target.info().revoked(new Revocation(by.info().owner(), SKEW_AT, ReasonCode.COMPROMISED)), target.mac());
  }

  /**
   * Write skew: key A revokes key B on the condition that A is still live (a read condition on A),
   * while key B revokes key A on the condition that B is still live — submitted together. Each
   * condition holds before both, but in any serial order the second finds its own key revoked: exactly
   * one commits, the other conflicts, and the state is that order's. A store that checks every unit's
   * conditions of a batch before any of its writes commits both (K4).
   */
  @Example
  @Tag("K4")
  @Tag("CAS")
  @Label("K4 CAS two units that each check what the other writes, submitted together: exactly one commits")
  public void writeSkew_exactlyOneOfTwoCrossCheckingUnitsCommits() {
    runPairs(
        "key A revokes B while B revokes A",
        (tx, p) -> {
          tx.insert(Tables.KEYS, liveKey('a', p));
          tx.insert(Tables.KEYS, liveKey('b', p));
        },
        (tx, p) -> {
          tx.check(Tables.KEYS, v1(liveKey('a', p)));
          tx.update(Tables.KEYS, v1(liveKey('b', p)), revokedBy(liveKey('b', p), liveKey('a', p)));
        },
        (tx, p) -> {
          tx.check(Tables.KEYS, v1(liveKey('b', p)));
          tx.update(Tables.KEYS, v1(liveKey('a', p)), revokedBy(liveKey('a', p), liveKey('b', p)));
        },
        p -> {
          KeyRecord a = liveKey('a', p);
          KeyRecord b = liveKey('b', p);
          RowRef ra = new RowRef(Tables.KEYS, a.info().id().value());
          RowRef rb = new RowRef(Tables.KEYS, b.info().id().value());
          return List.of(
              new SerialOutcome("A first", true, false, rows(ra, row(a, 1), rb, row(revokedBy(b, a), 2))),
              new SerialOutcome("B first", false, true, rows(ra, row(revokedBy(a, b), 2), rb, row(b, 1))));
        });
  }

  // ================================================================== isolation of a unit

  /** What a unit saw of its own writes and what another thread saw meanwhile. */
  private record Seen(
      Optional<?> txGet, Map<IndexEntry<?>, List<?>> txFindBy, Optional<?> otherGet, Map<IndexEntry<?>, List<?>> otherFindBy) {}

  /**
   * Inside a unit, {@code tx.get} and {@code tx.findBy} see the unit's own insert, update and delete
   * before commit; {@code storage.get} and {@code storage.findBy} from another thread see only the
   * committed state until the unit commits, and the new state after.
   */
  @Property(tries = 100)
  @Tag("I4")
  @Label("I4 a unit sees its own writes before commit; other threads only after")
  public void unitSeesOwnWrites_othersOnlyAfterCommit(@ForAll("lineages") Lineage<?> lineage) {
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (Storage s = openStore()) {
      checkIsolation(s, lineage, other);
    } finally {
      other.shutdownNow();
    }
  }

  private static <V> void checkIsolation(Storage s, Lineage<V> l, ExecutorService other) {
    Table<V> t = l.table();
    TableValue<V> firstRow = l.firstRow();
    TableValue<V> nextRow = firstRow.with(l.updates().get(0));
    List<IndexEntry<?>> probes = new ArrayList<>();
    probes.addAll(firstRow.indexEntries());
    probes.addAll(nextRow.indexEntries());

    Seen inserted = s.execute(tx -> {
      tx.insert(t, l.first());
      return seen(s, tx, firstRow, probes, other);
    });
    assertEquals(Optional.of(new Versioned<>(l.first(), 1)), inserted.txGet(), "tx.get of the unit's own insert");
    assertEquals(Optional.empty(), inserted.otherGet(), "another thread saw an uncommitted insert");
    for (IndexEntry<?> p : probes) {
      assertEquals(expectedFindBy(List.of(firstRow), p), inserted.txFindBy().get(p), "tx.findBy after own insert: " + p);
      assertEquals(List.of(), inserted.otherFindBy().get(p), "another thread's findBy saw an uncommitted insert: " + p);
    }
    assertEquals(Optional.of(new Versioned<>(l.first(), 1)), s.get(t, l.key()), "after commit");

    Versioned<V> v1 = new Versioned<>(l.first(), 1);
    Seen updated = s.execute(tx -> {
      tx.update(t, v1, nextRow.value());
      return seen(s, tx, firstRow, probes, other);
    });
    assertEquals(Optional.of(new Versioned<>(nextRow.value(), 2)), updated.txGet(), "tx.get of the unit's own update");
    assertEquals(Optional.of(v1), updated.otherGet(), "another thread saw an uncommitted update");
    for (IndexEntry<?> p : probes) {
      assertEquals(expectedFindBy(List.of(nextRow), p, 2), updated.txFindBy().get(p), "tx.findBy after own update: " + p);
      assertEquals(expectedFindBy(List.of(firstRow), p), updated.otherFindBy().get(p), "another thread's findBy during update: " + p);
    }
    Versioned<V> v2 = new Versioned<>(nextRow.value(), 2);
    assertEquals(Optional.of(v2), s.get(t, l.key()), "after commit of the update");

    Seen deleted = s.execute(tx -> {
      tx.delete(t, v2);
      return seen(s, tx, firstRow, probes, other);
    });
    assertEquals(Optional.empty(), deleted.txGet(), "tx.get of the unit's own delete");
    assertEquals(Optional.of(v2), deleted.otherGet(), "another thread saw an uncommitted delete");
    for (IndexEntry<?> p : probes) {
      assertEquals(List.of(), deleted.txFindBy().get(p), "tx.findBy after own delete: " + p);
      assertEquals(expectedFindBy(List.of(nextRow), p, 2), deleted.otherFindBy().get(p), "another thread's findBy during delete: " + p);
    }
    assertEquals(Optional.empty(), s.get(t, l.key()), "after commit of the delete");
  }

  private static Seen seen(Storage s, Transaction tx, TableValue<?> row, List<IndexEntry<?>> probes, ExecutorService other) {
    Map<IndexEntry<?>, List<?>> txFind = new HashMap<>();
    for (IndexEntry<?> p : probes) {
      txFind.put(p, findByRaw(tx, p));
    }
    Optional<?> txGet = tx.get(row.table(), row.key());
    try {
      return other
          .submit(() -> {
            Map<IndexEntry<?>, List<?>> otherFind = new HashMap<>();
            for (IndexEntry<?> p : probes) {
              otherFind.put(p, findByRaw(s, p));
            }
            return new Seen(txGet, txFind, getRaw(s, row), otherFind);
          })
          .get(THREAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("a committed read from another thread failed during a unit", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("a committed read from another thread blocked on a running unit", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  // ================================================================== pulses (U1, U3)

  /** The agents the pulse properties record for; each has its own operator. */
  static final List<AgentId> PULSE_AGENTS =
      List.of(new AgentId("ag_" + "p".repeat(26)), new AgentId("ag_" + "q".repeat(26)), new AgentId("ag_" + "r".repeat(26)));

  /** An agent that never pulses: its reads are empty, never exceptions. */
  static final AgentId SILENT_AGENT = new AgentId("ag_" + "s".repeat(26));

  private static final List<AgentId> ALL_PULSE_AGENTS =
      List.of(PULSE_AGENTS.get(0), PULSE_AGENTS.get(1), PULSE_AGENTS.get(2), SILENT_AGENT);

  /** The operator of one of {@link #PULSE_AGENTS}. */
  static DucklingId operatorOf(AgentId agent) {
    return new DucklingId("dk_" + String.valueOf(agent.value().charAt(3)).repeat(25) + "o");
  }

  /** A pulse of {@code agent}. */
  static Pulse pulse(AgentId agent, Instant at, String status) {
    return new Pulse(agent, operatorOf(agent), at, status);
  }

  /**
   * An agent's pulses as the SPI orders its history: newest first, and of equal instants the one
   * recorded later first (so its first element is the latest pulse).
   */
  public static List<Pulse> expectedHistory(List<Pulse> recorded, AgentId agent) {
    List<Pulse> mine = recorded.stream().filter(p -> p.agent().equals(agent)).collect(Collectors.toCollection(ArrayList::new));
    Collections.reverse(mine);
    mine.sort(Comparator.comparing(Pulse::at).reversed()); // stable: ties stay later-recorded first
    return mine;
  }

  /** 0–30 pulses of three agents, with many equal instants. */
  @Provide
  public Arbitrary<List<Pulse>> pulseLists() {
    return Arbitraries.of(PULSE_AGENTS).flatMap(a -> StorageArbitraries.pulsesOf(a, operatorOf(a))).list().ofMaxSize(30);
  }

  /**
   * Pulses recorded one after another: {@code latestPulse} is the newest (of equal instants the one
   * recorded last — a pulse replaces the latest unless it is older), {@code pulseHistory} is every
   * pulse of the agent newest first, cut to {@code limit}, never mixing agents; an agent that never
   * pulsed reads as empty. Statuses and nanoseconds round-trip exactly.
   */
  @Property(tries = 100)
  @Tag("U1")
  @Tag("SPI")
  @Label("U1 recordPulse keeps the latest per agent and a history newest first, limit respected")
  public void pulses_latestAndHistoryNewestFirst(
      @ForAll("pulseLists") List<Pulse> pulses, @ForAll @IntRange(min = 0, max = 12) int limit) {
    try (Storage s = openStore()) {
      for (AgentId a : ALL_PULSE_AGENTS) {
        assertEquals(Optional.empty(), s.latestPulse(a), "latest pulse of " + a + " on a fresh store");
        assertEquals(List.of(), s.pulseHistory(a, 10), "pulse history of " + a + " on a fresh store");
      }
      pulses.forEach(s::recordPulse);
      for (AgentId a : ALL_PULSE_AGENTS) {
        List<Pulse> expected = expectedHistory(pulses, a);
        assertEquals(expected, s.pulseHistory(a, Integer.MAX_VALUE), "pulse history of " + a);
        assertEquals(
            expected.subList(0, Math.min(limit, expected.size())), s.pulseHistory(a, limit), "pulse history of " + a + ", limit " + limit);
        assertEquals(expected.stream().findFirst(), s.latestPulse(a), "latest pulse of " + a);
      }
    }
  }

  /** One of the pulse agents. */
  @Provide
  public Arbitrary<AgentId> pulseAgents() {
    return Arbitraries.of(PULSE_AGENTS);
  }

  /** Pulse instants. */
  @Provide
  public Arbitrary<Instant> pulseInstants() {
    return StorageArbitraries.pulseInstants();
  }

  /** Pulse statuses. */
  @Provide
  public Arbitrary<String> pulseStatuses() {
    return StorageArbitraries.pulseStatuses();
  }

  /**
   * A pulse older than the latest joins the history behind it and leaves the latest alone; a pulse
   * at the very instant of the latest replaces it and comes first in the history.
   */
  @Property(tries = 50)
  @Tag("U1")
  @Label("U1 an older pulse joins the history without replacing the latest; an equal-time one replaces it")
  public void pulses_olderJoinsHistory_equalTimeReplacesLatest(
      @ForAll("pulseAgents") AgentId agent,
      @ForAll("pulseInstants") Instant at,
      @ForAll @LongRange(min = 1, max = 1_000_000_000_000L) long olderByNanos,
      @ForAll("pulseStatuses") String status) {
    Pulse newer = pulse(agent, at, status);
    Pulse older = pulse(agent, at.minusNanos(olderByNanos), "older " + status);
    Pulse sameTime = pulse(agent, at, "same time " + status);
    try (Storage s = openStore()) {
      s.recordPulse(newer);
      s.recordPulse(older);
      assertEquals(Optional.of(newer), s.latestPulse(agent), "latest after an older pulse");
      assertEquals(List.of(newer, older), s.pulseHistory(agent, 10), "history after an older pulse");
      s.recordPulse(sameTime);
      assertEquals(Optional.of(sameTime), s.latestPulse(agent), "latest after a pulse at the same instant");
      assertEquals(List.of(sameTime, newer, older), s.pulseHistory(agent, 10), "history after a pulse at the same instant");
      assertEquals(List.of(sameTime), s.pulseHistory(agent, 1), "history, limit 1");
      assertEquals(List.of(), s.pulseHistory(agent, 0), "history, limit 0");
    }
  }

  /**
   * Pulses to record and a sweep cutoff.
   *
   * @param pulses recorded in this order
   * @param cutoff the argument of {@code deletePulsesBefore}
   */
  public record PulseSweep(List<Pulse> pulses, Instant cutoff) {
    public PulseSweep {
      pulses = List.copyOf(pulses);
      Objects.requireNonNull(cutoff, "cutoff");
    }
  }

  /** Pulse lists with a cutoff mostly at, just before or just after one of their instants. */
  @Provide
  public Arbitrary<PulseSweep> pulseSweeps() {
    return pulseLists()
        .flatMap(
            pulses -> {
              Arbitrary<Instant> any = StorageArbitraries.pulseInstants();
              if (pulses.isEmpty()) {
                return any.map(c -> new PulseSweep(pulses, c));
              }
              Arbitrary<Instant> near =
                  Combinators.combine(Arbitraries.of(pulses).map(Pulse::at), Arbitraries.of(-1L, 0L, 1L)).as(Instant::plusNanos);
              return Arbitraries.frequencyOf(Tuple.of(4, near), Tuple.of(1, any)).map(c -> new PulseSweep(pulses, c));
            });
  }

  /**
   * {@code deletePulsesBefore(cutoff)} deletes exactly the history pulses strictly before the cutoff
   * and returns how many; a pulse at the cutoff stays; every agent's {@code latestPulse} is the same
   * as before, however old; a second sweep deletes nothing; a later pulse is recorded as usual.
   */
  @Property(tries = 100)
  @Tag("U1")
  @Tag("SPI")
  @Label("U1 deletePulsesBefore deletes exactly the older history, returns the count, never the latest")
  public void deletePulsesBefore_deletesExactlyOlderHistory_keepsLatest(@ForAll("pulseSweeps") PulseSweep sweep) {
    List<Pulse> pulses = sweep.pulses();
    Instant cutoff = sweep.cutoff();
    try (Storage s = openStore()) {
      pulses.forEach(s::recordPulse);
      Map<AgentId, Optional<Pulse>> latestBefore = new HashMap<>();
      ALL_PULSE_AGENTS.forEach(a -> latestBefore.put(a, s.latestPulse(a)));
      long older = pulses.stream().filter(p -> p.at().isBefore(cutoff)).count();
      assertEquals(older, s.deletePulsesBefore(cutoff), "count returned by deletePulsesBefore(" + cutoff + ")");
      for (AgentId a : ALL_PULSE_AGENTS) {
        List<Pulse> kept = expectedHistory(pulses, a).stream().filter(p -> !p.at().isBefore(cutoff)).collect(Collectors.toList());
        assertEquals(kept, s.pulseHistory(a, Integer.MAX_VALUE), "pulse history of " + a + " after deletePulsesBefore");
        assertEquals(latestBefore.get(a), s.latestPulse(a), "latest pulse of " + a + " after deletePulsesBefore");
      }
      assertEquals(0, s.deletePulsesBefore(cutoff), "a second deletePulsesBefore with the same cutoff");

      AgentId a = PULSE_AGENTS.get(0);
      Instant after = pulses.stream().map(Pulse::at).reduce(cutoff, (x, y) -> x.isAfter(y) ? x : y).plusSeconds(1);
      Pulse fresh = pulse(a, after, "after the sweep");
      List<Pulse> keptOfA = s.pulseHistory(a, Integer.MAX_VALUE);
      s.recordPulse(fresh);
      assertEquals(Optional.of(fresh), s.latestPulse(a), "latest pulse after the sweep");
      List<Pulse> expected = new ArrayList<>(List.of(fresh));
      expected.addAll(keptOfA);
      assertEquals(expected, s.pulseHistory(a, Integer.MAX_VALUE), "pulse history after the sweep");
    }
  }

  /**
   * Threads record pulses at once — several threads per agent, many at equal instants — while two
   * other threads sweep history from before them: no pulse is lost or duplicated, each history is
   * newest first, each latest pulse is one of the agent's newest, the sweeps delete exactly the older
   * pulses and count each once (in total, over all their calls), and an agent that only had old
   * pulses keeps its latest.
   */
  @Property(tries = 20)
  @Tag("U1")
  @Tag("U3")
  @Label("U1 U3 concurrent recordPulse loses nothing, also while a sweep runs")
  public void concurrentPulses_loseNothing(
      @ForAll @IntRange(min = 2, max = 8) int threads,
      @ForAll @IntRange(min = 1, max = 50) int perThread,
      @ForAll @IntRange(min = 0, max = 300) int oldPulses) {
    Instant cutoff = StorageArbitraries.AUDIT_EPOCH;
    List<Pulse> old = new ArrayList<>();
    for (int i = 0; i < oldPulses; i++) {
      old.add(pulse(PULSE_AGENTS.get(i % 3), cutoff.minus(Duration.ofDays(1)).minusSeconds(i), "old " + i));
    }
    try (Storage s = openStore()) {
      old.forEach(s::recordPulse);
      List<Pulse> fresh = new CopyOnWriteArrayList<>();
      AtomicBoolean writersDone = new AtomicBoolean();
      AtomicInteger swept = new AtomicInteger();
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        tasks.add(() -> {
          AgentId agent = PULSE_AGENTS.get(thread % 3);
          for (int i = 0; i < perThread; i++) {
            Pulse p = pulse(agent, cutoff.plusSeconds(i % 5), "t" + thread + "/" + i);
            s.recordPulse(p);
            fresh.add(p);
          }
          return perThread;
        });
      }
      for (int sweeper = 0; sweeper < 2; sweeper++) {
        tasks.add(() -> {
          int calls = 0;
          do {
            swept.addAndGet(s.deletePulsesBefore(cutoff));
            calls++;
          } while (!writersDone.get() && calls < 10_000);
          return calls;
        });
      }
      Concurrently.run(tasks, THREAD_TIMEOUT_SECONDS, threads, () -> writersDone.set(true));
      assertEquals(threads * perThread, fresh.size(), "pulses recorded");
      assertEquals(oldPulses, swept.get(), "pulses deleted by the concurrent sweep");
      assertEquals(0, s.deletePulsesBefore(cutoff), "a sweep after the concurrent one");
      for (AgentId a : ALL_PULSE_AGENTS) {
        List<Pulse> mine = fresh.stream().filter(p -> p.agent().equals(a)).collect(Collectors.toList());
        List<Pulse> history = s.pulseHistory(a, Integer.MAX_VALUE);
        Comparator<Pulse> byStatus = Comparator.comparing(Pulse::status);
        assertEquals(
            mine.stream().sorted(byStatus).collect(Collectors.toList()),
            history.stream().sorted(byStatus).collect(Collectors.toList()),
            "pulse history of " + a + " as a multiset: a pulse was lost or duplicated");
        for (int i = 1; i < history.size(); i++) {
          assertFalse(history.get(i).at().isAfter(history.get(i - 1).at()), "pulse history of " + a + " is not newest first");
        }
        Optional<Pulse> latest = s.latestPulse(a);
        if (mine.isEmpty()) {
          assertEquals(expectedHistory(old, a).stream().findFirst(), latest, "latest pulse of " + a + " (only old pulses, swept)");
        } else {
          Instant newest = mine.stream().map(Pulse::at).max(Comparator.naturalOrder()).orElseThrow();
          assertTrue(latest.isPresent() && mine.contains(latest.get()), "latest pulse of " + a + " is not one it recorded: " + latest);
          assertEquals(newest, latest.get().at(), "latest pulse of " + a + " is not among the newest");
        }
      }
    }
  }

  // ================================================================== codecs

  /** One value of every table. */
  @Provide
  public Arbitrary<List<TableValue<?>>> onePerTable() {
    return StorageArbitraries.onePerTable();
  }

  /** For every table of {@link Tables#ALL}, {@code decode(encode(v))} equals {@code v}. */
  @Property(tries = 100)
  @Tag("codec")
  @Label("codec every table's values round-trip through encode and decode")
  public void codecs_roundTrip(@ForAll("onePerTable") List<TableValue<?>> values) {
    assertEquals(Tables.ALL.size(), values.size(), "one value per table");
    for (TableValue<?> v : values) {
      Object decoded = roundTrip(v);
      assertEquals(v.value(), decoded, "round trip of " + v.table());
      assertEquals(v.key(), keyOfRaw(v.table(), decoded), "primary key after round trip of " + v.table());
    }
  }

  /**
   * Decoding bytes that are not an encoding — random garbage, every truncation of a valid encoding, a
   * valid encoding with a trailing byte or an unknown format byte — throws {@link StorageException},
   * never another exception; a flipped bit either decodes or throws {@link StorageException}.
   */
  @Property(tries = 100)
  @Tag("codec")
  @Label("codec corrupt bytes fail with StorageException only")
  public void codecs_refuseCorruptBytes(
      @ForAll("onePerTable") List<TableValue<?>> values,
      @ForAll("garbage") byte[] garbage,
      @ForAll @IntRange(min = 0, max = 10_000) int flipAt,
      @ForAll @IntRange(min = 0, max = 7) int flipBit) {
    for (TableValue<?> v : values) {
      RecordCodec<?> codec = v.table().codec();
      String t = v.table().name();
      decodesOrStorageException(codec, garbage, t + ": garbage");
      byte[] valid = encodeRaw(v);
      for (int n = 0; n < valid.length; n++) {
        byte[] cut = Arrays.copyOf(valid, n);
        assertThrows(StorageException.class, () -> codec.decode(cut), t + ": truncated to " + n + " of " + valid.length);
      }
      byte[] longer = Arrays.copyOf(valid, valid.length + 1);
      assertThrows(StorageException.class, () -> codec.decode(longer), t + ": trailing byte");
      byte[] format = valid.clone();
      format[0] = (byte) (format[0] + 1 + flipBit);
      assertThrows(StorageException.class, () -> codec.decode(format), t + ": unknown format byte");
      byte[] flipped = valid.clone();
      flipped[flipAt % flipped.length] ^= (byte) (1 << flipBit);
      decodesOrStorageException(codec, flipped, t + ": flipped bit");
    }
  }

  /** Random bytes, sometimes starting with the format byte 1 so the decoder gets further. */
  @Provide
  public Arbitrary<byte[]> garbage() {
    Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
    return Arbitraries.oneOf(raw, raw.map(b -> {
      byte[] out = new byte[b.length + 1];
      out[0] = 1;
      System.arraycopy(b, 0, out, 1, b.length);
      return out;
    }));
  }

  private static void decodesOrStorageException(RecordCodec<?> codec, byte[] bytes, String what) {
    try {
      assertNotNull(codec.decode(bytes), what + " decoded to null");
    } catch (StorageException expected) {
      // the only allowed failure
    } catch (RuntimeException e) {
      fail(what + " threw " + e.getClass().getName() + " instead of StorageException", e);
    }
  }

  /** Malformed strings, i.e. with unpaired surrogates. */
  @Provide
  public Arbitrary<String> malformedStrings() {
    return StorageArbitraries.malformedStrings();
  }

  /**
   * A string that is not well-formed UTF-16 (an unpaired surrogate) is either refused at encode with
   * {@link IllegalArgumentException} or round-trips exactly; it is never silently replaced. In an
   * audit draft it is refused, or the chain's hash still tells it apart from its replacement (A3).
   */
  @Property(tries = 100)
  @Tag("codec")
  @Tag("A3")
  @Label("codec A3 malformed strings are refused or kept exactly, never replaced")
  public void codecs_neverCorruptMalformedStrings(@ForAll("malformedStrings") String text) {
    List<TableValue<?>> values =
        List.of(
            new TableValue<>(Tables.META, new MetaRecord("conformance.text", text)),
            new TableValue<>(
                Tables.IDENTITIES,
                new Duckling(
                    new DucklingId("dk_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
                    text,
                    Tier.T1,
                    Set.of(),
                    IdentityStatus.ACTIVE,
                    Instant.EPOCH,
                    new CertId("ct_aaaaaaaaaaaaaaaaaaaaaaaaaa"))),
            new TableValue<>(Tables.PECKS, closedPeck(text)));
    for (TableValue<?> v : values) {
      byte[] bytes;
      try {
        bytes = encodeRaw(v);
      } catch (IllegalArgumentException refused) {
        continue;
      }
      Object decoded;
      try {
        decoded = v.table().codec().decode(bytes);
      } catch (StorageException refused) {
        fail(v.table() + ": encode accepted a malformed string that decode then refuses", refused);
        return;
      }
      assertEquals(v.value(), decoded, v.table() + ": a malformed string was silently altered");
    }
    AuditDraft draft;
    try {
      draft = malformedDraft(text);
    } catch (IllegalArgumentException refused) {
      return;
    }
    String replaced = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    assertNotEquals(
        AuditChain.link(draft, 1, Hash.ZERO).hash(),
        AuditChain.link(malformedDraft(replaced), 1, Hash.ZERO).hash(),
        "an audit draft with a malformed string hashes like its replacement: tampering would go unseen");
  }

  /** A closed peck whose free-text closer is {@code closedBy}. */
  private static Peck closedPeck(String closedBy) {
    Instant at = StorageArbitraries.AUDIT_EPOCH;
    return new Peck(
            new PeckId("pk_aaaaaaaaaaaaaaaa"), new AgentId("ag_" + "b".repeat(26)), new DucklingId("dk_" + "c".repeat(26)),
            Optional.empty(), new AgentId("ag_" + "d".repeat(26)), new CertId("ct_" + "e".repeat(26)),
            new DucklingId("dk_" + "f".repeat(26)), Set.of("chat:read"), Duration.ofHours(1), PeckState.REQUESTED, at,
            at.plus(Duration.ofDays(1)), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty())
        .ended(PeckState.CLOSED, closedBy, ReasonCode.NONE, Optional.empty());
  }

  private static AuditDraft malformedDraft(String text) {
    return AuditDraft.of(
        "conformance.text",
        AuditEvent.SYSTEM_ACTOR,
        text,
        Optional.empty(),
        StorageArbitraries.AUDIT_EPOCH,
        "conformance",
        ReasonCode.NONE,
        AuditOutcome.SUCCESS,
        Map.of("text", text));
  }

  // ================================================================== stateful (action chains)

  /** Random sequences of units against a fresh store and its reference model. */
  @Provide
  public Arbitrary<ActionChain<StoreModel>> storeChains() {
    return ActionChain.startWith(() -> new StoreModel(openStore()))
        .withAction(6, new StoreModel.UnitAction())
        .withAction(2, new StoreModel.PulseAction())
        .withAction(1, new StoreModel.SweepAction())
        .withMaxTransformations(ConformanceTries.chainLength(40));
  }

  /**
   * Random sequences of units — inserts, fresh and stale updates, deletes and checks, audit appends,
   * units that throw — and of pulses recorded and swept, against a reference model (a map of key to
   * value and version, the expected chain, the expected pulses): after every step the outcome
   * (commit, conflict, thrown; the sweep's count) is the model's, and every row, index, the whole
   * audit chain and every agent's latest pulse and history equal the model's.
   */
  @Property(tries = 50)
  @Tag("I4")
  @Tag("A5")
  @Tag("CAS")
  @Tag("U1")
  @Label("I4 A5 CAS U1 random unit and pulse sequences match the reference model")
  public void stateful_storeMatchesReferenceModel(@ForAll("storeChains") ActionChain<StoreModel> chain) {
    chain.withInvariant("store equals model", StoreModel::assertMatchesStore).run();
  }

  // ================================================================== raw helpers

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void insert(Transaction tx, TableValue<?> r) {
    tx.insert((Table) r.table(), r.value());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Optional<?> getRaw(Storage s, TableValue<?> r) {
    return s.get((Table) r.table(), r.key());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<?> findByRaw(Storage s, IndexEntry<?> e) {
    return s.findBy((Index) e.index(), e.indexKey());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<?> findByRaw(Transaction tx, IndexEntry<?> e) {
    return tx.findBy((Index) e.index(), e.indexKey());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static byte[] encodeRaw(TableValue<?> v) {
    return ((RecordCodec) v.table().codec()).encode(v.value());
  }

  private static Object roundTrip(TableValue<?> v) {
    return v.table().codec().decode(encodeRaw(v));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static String keyOfRaw(Table<?> t, Object value) {
    return ((Table) t).keyOf(value);
  }

  /** The rows of {@code rows} (all at version 1) that {@code probe} finds, in primary-key order. */
  static List<Versioned<?>> expectedFindBy(List<TableValue<?>> rows, IndexEntry<?> probe) {
    return expectedFindBy(rows, probe, 1);
  }

  private static List<Versioned<?>> expectedFindBy(List<? extends TableValue<?>> rows, IndexEntry<?> probe, long version) {
    return rows.stream()
        .filter(r -> r.table() == probe.index().table())
        .filter(r -> r.indexEntries().contains(probe))
        .sorted(Comparator.comparing(TableValue::key))
        .map(r -> new Versioned<Object>(r.value(), version))
        .collect(Collectors.toList());
  }

  /** The store holds {@code current} as its only indexed row: each of its index keys finds exactly it. */
  private static <V> void assertIndexed(Storage s, TableValue<V> row, Versioned<V> current) {
    for (IndexEntry<V> e : row.indexEntries()) {
      assertEquals(List.of(current), s.findBy(e.index(), e.indexKey()), "findBy " + e.index() + " = " + e.indexKey());
    }
  }

  private static <V> void assertNotIndexedUnlessSameKey(Storage s, TableValue<V> before, TableValue<V> after) {
    List<IndexEntry<V>> now = after.indexEntries();
    for (IndexEntry<V> e : before.indexEntries()) {
      if (now.contains(e)) {
        continue;
      }
      for (Versioned<V> f : s.findBy(e.index(), e.indexKey())) {
        assertFalse(
            before.table().keyOf(f.value()).equals(before.key()),
            "findBy " + e.index() + " = " + e.indexKey() + " still finds the row after its index key changed");
      }
    }
  }
}
