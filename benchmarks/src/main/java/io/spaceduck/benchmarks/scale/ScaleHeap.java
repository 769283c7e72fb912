package io.spaceduck.benchmarks.scale;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.Unauthenticated;
import java.io.BufferedReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Figure 5 of issue 8, heap: the engine's live heap over a loaded store ({@link ScaleLoader}) with the
 * default settings — default rate limits, default caches — measured after a full GC:
 *
 * <ol>
 *   <li>before the engine is opened (the JVM and this tool);
 *   <li>with the engine open over the store;
 *   <li>after every identity in the store (every agent and operator key) authenticated once, so each
 *       has its rate-limit bucket: the most the caches hold for callers seen within their expiry. Keys
 *       that {@link ScaleBenchmark} rotated more than a grace period ago fail and are counted apart.
 * </ol>
 *
 * Writes {@code heap.properties} beside the store and prints it.
 */
public final class ScaleHeap {
  private ScaleHeap() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    Path dir = Path.of(a.get("dir"));
    Properties out = new Properties();
    long before = liveHeap();
    long callers = 0;
    long rotatedAway = 0;
    long open;
    long after;
    try (ScaleFixture f =
        ScaleFixture.open(dir, RateLimits.defaults(), (email, hatch, code, expires) -> {
          throw new IllegalStateException("no hatching here");
        })) {
      open = liveHeap();
      try (BufferedReader r = Files.newBufferedReader(dir.resolve(ScaleFixture.KEYS), StandardCharsets.UTF_8)) {
        for (String line; (line = r.readLine()) != null; ) {
          String[] p = line.split(" ");
          try {
            f.engine.authenticate(BeakKey.of(p[p.length - 1]));
            callers++;
          } catch (Unauthenticated e) {
            rotatedAway++; // an agent whose key ScaleBenchmark rotated more than a grace period ago
          }
        }
      }
      after = liveHeap();
    }
    out.setProperty("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
    out.setProperty("max_heap", Long.toString(Runtime.getRuntime().maxMemory()));
    out.setProperty("heap_before_engine", Long.toString(before));
    out.setProperty("heap_engine_open", Long.toString(open));
    out.setProperty("heap_after_callers", Long.toString(after));
    out.setProperty("callers", Long.toString(callers));
    out.setProperty("keys_rotated_away", Long.toString(rotatedAway));
    out.setProperty("engine_bytes_open", Long.toString(open - before));
    out.setProperty("bytes_per_caller", String.format("%.1f", (after - open) / (double) callers));
    try (var w = Files.newBufferedWriter(dir.resolve("heap.properties"), StandardCharsets.UTF_8)) {
      out.store(w, "engine heap over this store (ScaleHeap)");
    }
    out.forEach((k, v) -> System.out.println("   " + k + " = " + v));
  }

  /** Used heap after full collections (settled: repeated until it stops shrinking). */
  static long liveHeap() {
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
