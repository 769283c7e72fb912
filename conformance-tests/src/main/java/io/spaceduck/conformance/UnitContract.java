package io.spaceduck.conformance;

import static io.spaceduck.conformance.ChainChecks.assertChain;
import static io.spaceduck.conformance.ChainChecks.assertOneLinearChain;
import static io.spaceduck.conformance.ChainChecks.systemDraft;
import static io.spaceduck.conformance.RawRows.SENTINEL;
import static io.spaceduck.conformance.RawRows.assertIndexed;
import static io.spaceduck.conformance.RawRows.assertNotIndexedUnlessSameKey;
import static io.spaceduck.conformance.RawRows.expectedFindBy;
import static io.spaceduck.conformance.RawRows.findByRaw;
import static io.spaceduck.conformance.RawRows.getRaw;
import static io.spaceduck.conformance.RawRows.insert;
import static io.spaceduck.conformance.UniqueContacts.v1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.conformance.RawRows.Seen;
import io.spaceduck.conformance.RawRows.TxStep;
import io.spaceduck.conformance.StorageArbitraries.IndexEntry;
import io.spaceduck.conformance.StorageArbitraries.Lineage;
import io.spaceduck.conformance.StorageArbitraries.TableValue;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
import net.jqwik.api.constraints.IntRange;

/**
 * Units and versions: what one unit of work does to a store, and what it leaves when it fails.
 *
 * <ul>
 *   <li>A miss is empty, never an exception; {@code findBy} returns exactly the matching rows in
 *       primary-key order; a closed store refuses units with {@link
 *       io.spaceduck.storage.StorageException} (SPI).
 *   <li>Insert stores version 1, each update with the current version adds one; a stale version, a
 *       future one or a taken key makes update, delete, check and insert conflict ({@link
 *       io.spaceduck.storage.StorageConflictException}) and changes nothing (CAS, I4).
 *   <li>A unit that throws or conflicts leaves no trace — no row, index entry or audit event — and the
 *       same unit without its failure applies fully (I4). A unit sees its own writes before commit;
 *       other threads see them only after (I4).
 *   <li>Needs {@link StoreCapability#DURABLE} and {@link StoreCapability#COMMIT_FAULTS}: a failure right
 *       after the commit point is reported as committed or as {@link
 *       io.spaceduck.storage.StorageOutcomeUnknownException}, never as "not applied", and the next open
 *       has the unit exactly once (SPI, I4).
 * </ul>
 *
 * <p>The outcome of a unit is told by what {@code execute} does — returns, or throws which type —
 * never by an exception's message. Implemented by {@link StorageContract}; see {@link StorageConcern}.
 */
public interface UnitContract extends StorageConcern {
  /** Rows for the read properties. */
  @Provide
  default Arbitrary<List<TableValue<?>>> rowSets() {
    return StorageArbitraries.tableValues().list().ofMaxSize(8).map(StorageArbitraries::distinctRows);
  }

  /** Any value of any table. */
  @Provide
  default Arbitrary<TableValue<?>> tableValues() {
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
  default void misses_areEmptyNeverExceptions(
      @ForAll("tableValues") TableValue<?> absent,
      @ForAll("rowSets") List<TableValue<?>> rows,
      @ForAll @IntRange(min = -3, max = 40) int fromSeq,
      @ForAll @IntRange(min = 0, max = 50) int limit) {
    try (Storage s = stores().open()) {
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
  default void closedStore_refusesUnits() {
    Storage s = stores().open();
    s.close();
    s.close();
    assertThrows(StorageException.class, () -> s.execute(tx -> null), "a unit on a closed store");
  }

  /** Rows with 1–5 successive updates each. */
  @Provide
  default Arbitrary<Lineage<?>> lineages() {
    return StorageArbitraries.lineages(5);
  }

  /**
   * Insert stores the value at version 1; each update with the current version stores the next value
   * at the next version; indexes follow the value; values round-trip equal.
   */
  @Property(tries = 100)
  @Tag("CAS")
  @Label("CAS insert is version 1, each update adds one, values and indexes follow")
  default void insertThenUpdate_versionsCountFromOne(@ForAll("lineages") Lineage<?> lineage) {
    try (Storage s = stores().open()) {
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
  default void staleVersions_conflictAndChangeNothing(
      @ForAll("lineages") Lineage<?> lineage, @ForAll("auditDrafts") AuditDraft draft) {
    try (Storage s = stores().open()) {
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

  /** Audit drafts. */
  @Provide
  default Arbitrary<AuditDraft> auditDrafts() {
    return StorageArbitraries.auditDrafts();
  }

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
  default Arbitrary<FailingUnit> failingUnits() {
    Arbitrary<List<Lineage<?>>> existing = StorageArbitraries.lineages(1).list().ofMaxSize(6);
    Arbitrary<List<TableValue<?>>> inserts = StorageArbitraries.tableValues().list().ofMaxSize(6);
    Arbitrary<List<RowAction>> actions = Arbitraries.of(RowAction.class).list().ofSize(6);
    Arbitrary<List<AuditDraft>> prior = StorageArbitraries.auditDrafts().list().ofMaxSize(3);
    Arbitrary<List<AuditDraft>> drafts = StorageArbitraries.auditDrafts().list().ofMaxSize(3);
    return Combinators.combine(existing, actions, inserts, prior, drafts, Arbitraries.of(Failure.class))
        .as(UnitContract::distinctFailingUnit);
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

  /**
   * A unit that performs several writes and audit appends and then throws, or hits a conflict,
   * leaves no trace: no row changed, no index changed, no audit event, the head unchanged. Run again
   * without the failure, the same unit applies all of it.
   */
  @Property(tries = 100)
  @Tag("I4")
  @Label("I4 a failed unit leaves no trace; the same unit without the failure applies fully")
  default void failedUnit_leavesNoTrace(@ForAll("failingUnits") FailingUnit unit) {
    try (Storage s = stores().open()) {
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
  default void failureAfterCommitPoint_auditedUnit_neverNotApplied() {
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
  default void failureAfterCommitPoint_unitWithoutAuditEvents_neverNotApplied() {
    failAfterCommitPoint(false);
  }

  private void failAfterCommitPoint(boolean audited) {
    CommitFaults faults = stores().commitFaults(); // not applicable to a store that declares no commit point
    Storage s = stores().open(faults::newStore, "CommitFaults.newStore()");
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
    Storage again = stores().open(() -> faults.reopen(s), "CommitFaults.reopen()");
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

  /**
   * Inside a unit, {@code tx.get} and {@code tx.findBy} see the unit's own insert, update and delete
   * before commit; {@code storage.get} and {@code storage.findBy} from another thread see only the
   * committed state until the unit commits, and the new state after.
   */
  @Property(tries = 100)
  @Tag("I4")
  @Label("I4 a unit sees its own writes before commit; other threads only after")
  default void unitSeesOwnWrites_othersOnlyAfterCommit(@ForAll("lineages") Lineage<?> lineage) {
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (Storage s = stores().open()) {
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
          .get(Concurrently.THREAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("a committed read from another thread failed during a unit", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("a committed read from another thread blocked on a running unit", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * {@link Storage#authenticationRows} follows the chain of committed rows a store's own {@code get}s
   * give — the key row, its owner's identity row, that identity's bond row if it is an agent — with the
   * decoy ids where the chain breaks (K6: the shape never depends on what exists), and sees every
   * committed change at the next call (I3: a store that caches the lookup, or answers it from a stale
   * copy, fails here). Asked for: the agent's key, the duckling's key, an absent key, each before and
   * after the rows change.
   */
  @Property(tries = 30)
  @Tag("I3")
  @Tag("K6")
  @Tag("SPI")
  @Label("I3 K6 authenticationRows follows key, owner and bond through committed rows, decoys where the chain breaks")
  default void authenticationRows_followTheCommittedChain(
      @ForAll("authAgents") io.spaceduck.api.Agent agent,
      @ForAll("authDucklings") io.spaceduck.api.Duckling duckling,
      @ForAll("authKeys") io.spaceduck.storage.KeyRecord agentKeyDraft,
      @ForAll("authKeys") io.spaceduck.storage.KeyRecord ducklingKeyDraft,
      @ForAll("authBonds") io.spaceduck.api.Bond bondDraft,
      @ForAll boolean decoyIsTheAgent) {
    io.spaceduck.api.KeyInfo ai = agentKeyDraft.info();
    io.spaceduck.storage.KeyRecord agentKey = new io.spaceduck.storage.KeyRecord(
        new io.spaceduck.api.KeyInfo(ai.id(), agent.id(), Optional.of(agent.bond()), ai.createdAt(), ai.graceUntil(), ai.revocation()),
        agentKeyDraft.mac());
    io.spaceduck.api.KeyInfo di = ducklingKeyDraft.info();
    io.spaceduck.storage.KeyRecord ducklingKey = new io.spaceduck.storage.KeyRecord(
        new io.spaceduck.api.KeyInfo(di.id(), duckling.id(), Optional.empty(), di.createdAt(), di.graceUntil(), di.revocation()),
        ducklingKeyDraft.mac());
    io.spaceduck.api.Bond bond = new io.spaceduck.api.Bond(agent.bond(), agent.id(), agent.operator(), bondDraft.agentName(),
        bondDraft.bondedAt(), bondDraft.status(), bondDraft.revocation());
    if (agentKey.info().id().equals(ducklingKey.info().id()) || agent.id().value().equals(duckling.id().value())) {
      return; // the two keys (and identities) must be two rows
    }
    String decoyIdentity = decoyIsTheAgent ? agent.id().value() : "dk_" + "2".repeat(26);
    String decoyBond = "bd_" + "2".repeat(26);
    String absentKey = "zz" + agentKey.info().id().value();
    try (Storage s = stores().open()) {
      s.execute(tx -> {
        tx.insert(Tables.IDENTITIES, agent);
        tx.insert(Tables.IDENTITIES, duckling);
        tx.insert(Tables.KEYS, agentKey);
        tx.insert(Tables.KEYS, ducklingKey);
        tx.insert(Tables.BONDS, bond);
        return null;
      });
      List<String> keys = List.of(agentKey.info().id().value(), ducklingKey.info().id().value(), absentKey);
      for (String k : keys) {
        assertEquals(chainOfGets(s, k, decoyIdentity, decoyBond), s.authenticationRows(k, decoyIdentity, decoyBond), "before: " + k);
      }
      assertEquals(bond, s.authenticationRows(keys.get(0), decoyIdentity, decoyBond).bond().orElseThrow().value(),
          "the agent's key reaches its bond");
      // change every row the lookup reads (the agent deleted, its bond and the duckling's key rewritten):
      // the very next call sees the new versions (I3)
      s.execute(tx -> {
        tx.update(Tables.BONDS, tx.get(Tables.BONDS, bond.id().value()).orElseThrow(),
            new io.spaceduck.api.Bond(bond.id(), bond.agent(), bond.operator(), bond.agentName() + "'", bond.bondedAt(),
                bond.status(), bond.revocation()));
        tx.update(Tables.IDENTITIES, tx.get(Tables.IDENTITIES, agent.id().value()).orElseThrow(),
            agent.withStatus(io.spaceduck.api.IdentityStatus.DELETED));
        tx.update(Tables.KEYS, tx.get(Tables.KEYS, ducklingKey.info().id().value()).orElseThrow(),
            new io.spaceduck.storage.KeyRecord(ducklingKey.info(), io.spaceduck.storage.Bytes.of(new byte[] {7})));
        return null;
      });
      for (String k : keys) {
        io.spaceduck.storage.AuthenticationRows rows = s.authenticationRows(k, decoyIdentity, decoyBond);
        assertEquals(chainOfGets(s, k, decoyIdentity, decoyBond), rows, "after: " + k);
      }
      io.spaceduck.storage.AuthenticationRows agentRows = s.authenticationRows(keys.get(0), decoyIdentity, decoyBond);
      assertEquals(2, agentRows.identity().orElseThrow().version(), "the agent's identity at its new version");
      assertEquals(2, agentRows.bond().orElseThrow().version(), "the bond at its new version");
      assertEquals(2, s.authenticationRows(keys.get(1), decoyIdentity, decoyBond).key().orElseThrow().version(),
          "the duckling's key at its new version");
    }
  }

  /** What {@link Storage#authenticationRows} must return: the chain of three {@code get}s. */
  private static io.spaceduck.storage.AuthenticationRows chainOfGets(Storage s, String keyId, String decoyIdentity, String decoyBond) {
    Optional<Versioned<io.spaceduck.storage.KeyRecord>> key = s.get(Tables.KEYS, keyId);
    Optional<Versioned<io.spaceduck.api.Identity>> identity =
        s.get(Tables.IDENTITIES, io.spaceduck.storage.AuthenticationRows.identityRead(key, decoyIdentity));
    Optional<Versioned<io.spaceduck.api.Bond>> bond = s.get(Tables.BONDS, io.spaceduck.storage.AuthenticationRows.bondRead(identity, decoyBond));
    return new io.spaceduck.storage.AuthenticationRows(key, identity, bond);
  }

  @Provide
  default Arbitrary<io.spaceduck.api.Agent> authAgents() {
    return StorageArbitraries.agents();
  }

  @Provide
  default Arbitrary<io.spaceduck.api.Duckling> authDucklings() {
    return StorageArbitraries.ducklings();
  }

  @Provide
  default Arbitrary<io.spaceduck.storage.KeyRecord> authKeys() {
    return StorageArbitraries.keyRecords();
  }

  @Provide
  default Arbitrary<io.spaceduck.api.Bond> authBonds() {
    return StorageArbitraries.bonds();
  }
}
