package io.spaceduck.benchmarks;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.mapdb.MapDbStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
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
 * Durable actions per second on one {@link MapDbStorage} (issue 4, Performance). A <em>unit</em> is
 * what one governance action writes at least: one indexed row (a bond) and one audit event, and it
 * counts only once {@code execute} has returned, i.e. once it is on disk. A <em>pulse</em> is one
 * {@code recordPulse}, equally durable. Each benchmark runs with 1, 2 and 8 client threads on a
 * fresh store in {@code -Dspaceduck.bench.dir} (default: the temporary directory — put it on the disk
 * you care about; tmpfs measures no fsync at all).
 *
 * <p>{@code cacheSize} is the store's record cache (issue 19); {@code -p cacheSize=100000,0} measures the
 * writes with the cache on and off in one run (a unit's commit invalidates the rows it wrote).
 *
 * <p>Run: {@code java -cp <classes and dependencies> org.openjdk.jmh.Main MapDbStorageBenchmark -wi 1
 * -i 3 -f 1} (see {@code docs/benchmarks.md}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class MapDbStorageBenchmark {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  @Param({"100000"})
  public int cacheSize;

  private Path dir;
  private MapDbStorage store;
  private final AtomicLong ids = new AtomicLong();
  private DucklingId operator;

  /** A 16-character id body for a number. */
  static String body(long n) {
    char[] c = new char[16];
    long v = n;
    for (int i = 15; i >= 0; i--) {
      c[i] = BASE32.charAt((int) (v & 31));
      v >>>= 5;
    }
    return new String(c);
  }

  @Setup(Level.Trial)
  public void open() throws IOException {
    Path base = Path.of(System.getProperty("spaceduck.bench.dir", System.getProperty("java.io.tmpdir")));
    dir = Files.createTempDirectory(base, "spaceduck-bench");
    store = MapDbStorage.open(dir.resolve("bench.db"), cacheSize);
    operator = new DucklingId(DucklingId.PREFIX + body(1));
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private void unit() {
    long n = ids.incrementAndGet();
    Bond bond =
        new Bond(new BondId(BondId.PREFIX + body(n)), new AgentId(AgentId.PREFIX + body(n)), operator, "agent", T0,
            BondStatus.ACTIVE, Optional.empty());
    AuditDraft draft =
        AuditDraft.of("agent.bond", operator.value(), bond.id().value(), Optional.of(operator.value()), T0, "bench",
            ReasonCode.NONE, AuditOutcome.SUCCESS, Map.of("agent", bond.agent().value()));
    store.execute(
        tx -> {
          tx.insert(Tables.BONDS, bond);
          tx.appendAudit(draft);
          return null;
        });
  }

  private void pulse() {
    long n = ids.incrementAndGet();
    store.recordPulse(
        new Pulse(new AgentId(AgentId.PREFIX + body(n % 1000)), operator, T0.plusMillis(n), "ok"));
  }

  @Benchmark
  @Threads(1)
  public void unit_1thread() {
    unit();
  }

  @Benchmark
  @Threads(2)
  public void unit_2threads() {
    unit();
  }

  @Benchmark
  @Threads(8)
  public void unit_8threads() {
    unit();
  }

  @Benchmark
  @Threads(1)
  public void pulse_1thread() {
    pulse();
  }

  @Benchmark
  @Threads(2)
  public void pulse_2threads() {
    pulse();
  }

  @Benchmark
  @Threads(8)
  public void pulse_8threads() {
    pulse();
  }
}
