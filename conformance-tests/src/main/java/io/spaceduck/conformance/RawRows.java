package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.spaceduck.conformance.StorageArbitraries.IndexEntry;
import io.spaceduck.conformance.StorageArbitraries.TableValue;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Rows of any table handled without their value type ({@link TableValue}, {@link IndexEntry}), and
 * what the index reads over them must return — shared by the storage contract's concerns. Stateless.
 */
final class RawRows {
  private RawRows() {}

  /** The meta row a failing unit's conflict is made of ({@link UnitContract#failedUnit_leavesNoTrace}). */
  static final String SENTINEL = "conformance.sentinel";

  /** One step of a unit, without a result: the rows of a table of conflicting cases. */
  @FunctionalInterface
  interface TxStep {
    void run(Transaction tx);
  }

  /** What a unit saw of its own writes and what another thread saw meanwhile. */
  record Seen(
      Optional<?> txGet, Map<IndexEntry<?>, List<?>> txFindBy, Optional<?> otherGet, Map<IndexEntry<?>, List<?>> otherFindBy) {}

  /** Inserts {@code r} in the unit. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void insert(Transaction tx, TableValue<?> r) {
    tx.insert((Table) r.table(), r.value());
  }

  /** The committed row at {@code r}'s key. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Optional<?> getRaw(Storage s, TableValue<?> r) {
    return s.get((Table) r.table(), r.key());
  }

  /** The committed rows {@code e} finds. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<?> findByRaw(Storage s, IndexEntry<?> e) {
    return s.findBy((Index) e.index(), e.indexKey());
  }

  /** The rows {@code e} finds inside a unit. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<?> findByRaw(Transaction tx, IndexEntry<?> e) {
    return tx.findBy((Index) e.index(), e.indexKey());
  }

  /** The rows of {@code rows} (all at version 1) that {@code probe} finds, in primary-key order. */
  static List<Versioned<?>> expectedFindBy(List<TableValue<?>> rows, IndexEntry<?> probe) {
    return expectedFindBy(rows, probe, 1);
  }

  /** As {@link #expectedFindBy(List, IndexEntry)}, for rows all at {@code version}. */
  static List<Versioned<?>> expectedFindBy(List<? extends TableValue<?>> rows, IndexEntry<?> probe, long version) {
    return rows.stream()
        .filter(r -> r.table() == probe.index().table())
        .filter(r -> r.indexEntries().contains(probe))
        .sorted(Comparator.comparing(TableValue::key))
        .map(r -> new Versioned<Object>(r.value(), version))
        .collect(Collectors.toList());
  }

  /** The store holds {@code current} as its only indexed row: each of its index keys finds exactly it. */
  static <V> void assertIndexed(Storage s, TableValue<V> row, Versioned<V> current) {
    for (IndexEntry<V> e : row.indexEntries()) {
      assertEquals(List.of(current), s.findBy(e.index(), e.indexKey()), "findBy " + e.index() + " = " + e.indexKey());
    }
  }

  /** No index key that {@code before} had and {@code after} has not finds the row any more. */
  static <V> void assertNotIndexedUnlessSameKey(Storage s, TableValue<V> before, TableValue<V> after) {
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
