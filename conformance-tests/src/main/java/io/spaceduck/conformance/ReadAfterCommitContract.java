package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.conformance.StorageArbitraries.Lineage;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;

/**
 * Concern of the storage contract: <b>a committed write is what the very next read returns</b>, on
 * every thread, while other threads keep reading the same row — the property that a cache of records
 * inside a store (the MapDB store keeps one; see {@code docs/storage.md}) must not break. A store
 * without a cache satisfies it by reading its committed state; a store with one satisfies it only if
 * its writer drops or replaces the cached row at commit, before {@code execute} returns, and no reader
 * can put an older row back afterwards.
 *
 * <p>How it catches a broken cache: reader threads read one row in a loop, so the row is cached (and
 * re-cached) right up to each commit, while one writer walks the row through a lineage of states —
 * insert, updates (a revocation or rotation is an update of the key row), a delete, an insert again.
 * After each {@code execute} returns, the writer publishes the stage number; every read that
 * <em>starts</em> after that, on any thread, must return that stage or a later one, never an earlier
 * one (I3: a revocation is visible to the very next call). The writer also reads the row and its
 * index entries itself right after each commit. Each stage is a distinct {@code Optional<Versioned>},
 * so a stale read is named exactly.
 */
public interface ReadAfterCommitContract extends StorageConcern {
  /** Lineages over every table, with up to 8 updates. */
  @Provide
  default Arbitrary<Lineage<?>> readAfterCommitLineages() {
    return StorageArbitraries.lineages(8);
  }

  /**
   * Readers on other threads, and the writer itself, never read a stage of the row older than the last
   * one whose {@code execute} had returned when the read started; {@code findBy} follows too.
   */
  @Property(tries = 25)
  @Tag("I3")
  @Tag("K4")
  @Label("I3 K4 a read that starts after execute returned sees the unit, on any thread, while others read the row")
  default void readAfterCommit_seesTheUnit_onEveryThread(
      @ForAll("readAfterCommitLineages") Lineage<?> lineage, @ForAll @IntRange(min = 1, max = 3) int readers) {
    try (Storage s = stores().open()) {
      checkReadAfterCommit(s, lineage, readers);
    }
  }

  private static <V> void checkReadAfterCommit(Storage s, Lineage<V> l, int readers) {
    Table<V> t = l.table();
    String key = l.key();
    // the stages the row goes through, each a distinct read result
    List<Optional<Versioned<V>>> stages = new ArrayList<>();
    stages.add(Optional.of(new Versioned<>(l.first(), 1)));
    for (int i = 0; i < l.updates().size(); i++) {
      stages.add(Optional.of(new Versioned<>(l.updates().get(i), i + 2)));
    }
    V last = l.updates().get(l.updates().size() - 1);
    stages.add(Optional.empty()); // deleted (a revoked key that is gone must not be served either)
    stages.add(Optional.of(new Versioned<>(last, 1))); // inserted again: version 1, not the old version + 1

    s.execute(tx -> {
      tx.insert(t, l.first());
      return null;
    });
    AtomicInteger committed = new AtomicInteger(0); // the last stage whose execute has returned
    AtomicBoolean stop = new AtomicBoolean();
    List<Callable<Integer>> tasks = new ArrayList<>();
    tasks.add(
        () -> {
          for (int stage = 1; stage < stages.size(); stage++) {
            Optional<Versioned<V>> before = stages.get(stage - 1);
            Optional<Versioned<V>> after = stages.get(stage);
            s.execute(tx -> {
              if (after.isEmpty()) {
                tx.delete(t, before.orElseThrow());
              } else if (before.isEmpty()) {
                tx.insert(t, after.get().value());
              } else {
                tx.update(t, before.get(), after.get().value());
              }
              return null;
            });
            committed.set(stage);
            // the writer's own next read, and the index entries
            Optional<Versioned<V>> read = s.get(t, key);
            if (!read.equals(after)) {
              throw new AssertionError(staleRead("the writer", stage, read, stages));
            }
            checkIndexes(s, t, key, before, after, stage);
          }
          return stages.size();
        });
    for (int r = 0; r < readers; r++) {
      String who = "reader " + r;
      tasks.add(
          () -> {
            int reads = 0;
            do {
              int floor = committed.get(); // read before the get starts: the get must see at least this
              Optional<Versioned<V>> read = s.get(t, key);
              int seen = stages.subList(floor, stages.size()).indexOf(read);
              if (seen < 0) {
                throw new AssertionError(staleRead(who, floor, read, stages));
              }
              reads++;
            } while (!stop.get());
            return reads;
          });
    }
    Concurrently.run(tasks, Concurrently.THREAD_TIMEOUT_SECONDS, 1, () -> stop.set(true));
    assertEquals(stages.get(stages.size() - 1), s.get(t, key), "the row after the last stage");
  }

  private static <V> void checkIndexes(
      Storage s, Table<V> t, String key, Optional<Versioned<V>> before, Optional<Versioned<V>> after, int stage) {
    for (Index<V> idx : t.indexes()) {
      Optional<String> newKey = after.flatMap(v -> idx.keyOf(v.value()));
      Optional<String> oldKey = before.flatMap(v -> idx.keyOf(v.value()));
      if (newKey.isPresent()) {
        List<Versioned<V>> found =
            s.findBy(idx, newKey.get()).stream().filter(v -> t.keyOf(v.value()).equals(key)).toList();
        if (!found.equals(List.of(after.orElseThrow()))) {
          throw new AssertionError(
              "stale read after commit: findBy(" + idx + ") after stage " + stage + " returned " + found + ", not " + after.get());
        }
      }
      if (oldKey.isPresent() && !oldKey.equals(newKey)) {
        boolean listed = s.findBy(idx, oldKey.get()).stream().anyMatch(v -> t.keyOf(v.value()).equals(key));
        if (listed) {
          throw new AssertionError(
              "stale read after commit: findBy(" + idx + ") still lists the row under its old key after stage " + stage);
        }
      }
    }
  }

  private static <V> String staleRead(String who, int floor, Optional<Versioned<V>> read, List<Optional<Versioned<V>>> stages) {
    int at = stages.indexOf(read);
    return "stale read after commit: "
        + who
        + " started a read after stage "
        + floor
        + " had committed ("
        + stages.get(floor)
        + ") and got "
        + (at < 0 ? "a value that no stage had: " + read : "stage " + at + " (" + read + ")");
  }
}
