package io.spaceduck.benchmarks.scale;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one trip to memory costs on this machine, to read the scale run by: a chase through {@code
 * bytes} of memory, one 64-byte line per step, each step's address read from the line before (a
 * random cycle through all lines, so neither the prefetcher nor a second load in flight helps). Over a
 * few MB it measures the CPU caches, over hundreds of MB main memory (with the TLB misses a random
 * read of a large heap pays too). The difference between two sizes is what one dependent read costs
 * when the working set outgrows the caches, as the scale run's 100,000 callers do and its 9,000 mostly
 * do not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class MemoryLatencyBenchmark {
  static final int STEPS = 1_000;
  private static final int INTS_PER_LINE = 16;

  /** Bytes chased through: 16 MB is half this machine's L3 cache, 256 MB far beyond it. */
  @Param({"1048576", "16777216", "268435456"})
  public int bytes;

  private int[] next;
  private int at;

  @Setup(Level.Trial)
  public void build() {
    int lines = bytes / 64;
    int[] order = new int[lines];
    for (int i = 0; i < lines; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(42);
    for (int i = lines - 1; i > 0; i--) { // Sattolo: one cycle through every line
      int j = random.nextInt(i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    next = new int[lines * INTS_PER_LINE];
    for (int i = 0; i < lines; i++) {
      next[order[i] * INTS_PER_LINE] = order[(i + 1) % lines] * INTS_PER_LINE;
    }
  }

  /** Nanoseconds per dependent read. */
  @Benchmark
  @OperationsPerInvocation(STEPS)
  public int chase() {
    int[] n = next;
    int p = at;
    for (int i = 0; i < STEPS; i++) {
      p = n[p];
    }
    at = p;
    return p;
  }
}
