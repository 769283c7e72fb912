package io.spaceduck.benchmarks;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 19: a whole-engine durable governance action on the MapDB store — an operator rotates its
 * agent's key ({@code keys().rotate}): authenticate the operator, the policy (governs, permission), the
 * key and identity reads, the old key's update and the new key's insert, one audit event, and the group
 * commit (one journal fsync per batch) before the call returns. With 1 and 8 threads; each thread has
 * its own operator and agent, so the threads never conflict on a row and the figure is the engine's and
 * the store's, not retries. Compare with {@link MapDbStorageBenchmark}'s {@code unit_*} (one indexed row
 * and one event, the store alone) in the same JMH run: {@code KeyRotationBenchmark|MapDbStorageBenchmark.unit_}.
 *
 * <p>{@code store}: {@code mapdb} (default record cache) or {@code mapdb-nocache}; the MapDB file lives
 * under {@code -Dspaceduck.bench.dir} (default: the temporary directory — a tmpfs measures no fsync).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class KeyRotationBenchmark {
  static final int PAIRS = 8;

  @Param({"mapdb"})
  public String store;

  private BenchEngine bench;
  private final List<BeakKey> operators = new ArrayList<>();
  private final List<KeyId> firstKeys = new ArrayList<>();
  private final AtomicInteger nextPair = new AtomicInteger();

  @Setup(Level.Trial)
  public void open() {
    bench = new BenchEngine(store);
    for (int i = 0; i < PAIRS; i++) {
      BeakKey operator = bench.operator();
      BondResult agent = bench.agent(operator);
      operators.add(operator);
      firstKeys.add(agent.key().info().id());
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    bench.close();
  }

  /** One thread's operator and the current key of its agent. */
  @State(Scope.Thread)
  public static class Pair {
    BeakKey operator;
    KeyId current;

    @Setup(Level.Trial)
    public void take(KeyRotationBenchmark b) {
      int i = b.nextPair.getAndIncrement();
      if (i >= PAIRS) {
        throw new IllegalStateException("more threads than operator/agent pairs: " + PAIRS);
      }
      operator = b.operators.get(i);
      current = b.firstKeys.get(i);
    }
  }

  private IssuedKey rotate(Pair p) {
    IssuedKey k = bench.engine.keys().rotate(p.operator, p.current);
    p.current = k.info().id();
    return k;
  }

  @Benchmark
  @Threads(1)
  public IssuedKey rotate_1thread(Pair p) {
    return rotate(p);
  }

  @Benchmark
  @Threads(8)
  public IssuedKey rotate_8threads(Pair p) {
    return rotate(p);
  }
}
