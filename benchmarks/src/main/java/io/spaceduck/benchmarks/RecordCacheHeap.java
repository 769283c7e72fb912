package io.spaceduck.benchmarks;

import io.spaceduck.api.BeakKey;
import io.spaceduck.storage.mapdb.MapDbStorage;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 19: the heap cost of one row in the MapDB store's record cache, measured as a live-heap delta
 * (used heap after settled full collections, as {@code scale.ScaleHeap} takes it). For each of {@code
 * mapdb-nocache} and {@code mapdb} (default cache) in turn: an engine with one operator and {@code N}
 * bonded agents; then the live heap before and after authenticating every agent once (which reads each
 * agent's key, identity and bond rows, and so fills the cache). The cache's cost is the difference of
 * the two deltas (what the engine itself keeps per caller cancels out), divided by the rows the cache
 * gained. Not JMH: one measurement; run {@code java -cp benchmarks/target/benchmarks.jar
 * io.spaceduck.benchmarks.RecordCacheHeap [agents]}.
 */
public final class RecordCacheHeap {
  private RecordCacheHeap() {}

  public static void main(String[] args) {
    int agents = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    long[] off = measure("mapdb-nocache", agents);
    long[] on = measure("mapdb", agents);
    long cacheBytes = on[0] - off[0];
    System.out.printf(
        "agents %d: live heap after authenticating all, no cache +%d B, cache +%d B; cache rows %d;"
            + " ≈ %.0f B per cached row%n",
        agents, off[0], on[0], on[1], cacheBytes / (double) on[1]);
  }

  /** {live heap delta over the authentications, rows the cache gained}. */
  private static long[] measure(String store, int agents) {
    try (BenchEngine bench = new BenchEngine(store)) {
      BeakKey operator = bench.operator();
      List<BeakKey> keys = new ArrayList<>();
      for (int i = 0; i < agents; i++) {
        keys.add(bench.agent(operator).key().key());
      }
      MapDbStorage mapdb = (MapDbStorage) bench.storage;
      long rows0 = mapdb.cachedRows();
      long before = liveHeap();
      for (BeakKey k : keys) {
        bench.engine.authenticate(k);
      }
      long after = liveHeap();
      long rows = mapdb.cachedRows() - rows0;
      System.out.printf("%s: +%d B live heap, +%d cached rows%n", store, after - before, rows);
      return new long[] {after - before, rows};
    }
  }

  /** Used heap after full collections, repeated until it stops shrinking (as scale.ScaleHeap). */
  private static long liveHeap() {
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (used >= last) {
        return used;
      }
      last = used;
    }
    return last;
  }
}
