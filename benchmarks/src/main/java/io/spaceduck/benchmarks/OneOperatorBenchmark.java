package io.spaceduck.benchmarks;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.core.DevelopmentKek;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * Parallel governance for one operator (issue 19), durable, on MapDB (a file under {@code
 * -Dspaceduck.bench.dir}) or PostgreSQL ({@code -Dspaceduck.bench.jdbc}, a fresh schema).
 *
 * <ul>
 *   <li><b>bond_oneOperator</b>: every thread bonds agents for the same operator. Bonds of one operator
 *       write its bond fence (D1), so the engine runs them one after another; a {@code Conflict} would
 *       end the benchmark with an error, so a result is also a run without one.
 *   <li><b>bond_ownOperator_8threads</b>: each thread bonds for its own operator — the same work with
 *       nothing shared but the audit chain: the rate one operator forgoes by being serialized.
 *   <li><b>rotate_oneOperator_8threads</b>: each thread rotates its own agent's key, all agents of one
 *       operator — the actions that re-check the operator's rows and write none, in parallel.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class OneOperatorBenchmark {
  @Param({"mapdb", "postgresql"})
  public String store;

  SpaceDuck engine;
  BeakKey admin;
  BeakKey operator;
  private final Map<HatchId, String> codes = new ConcurrentHashMap<>();
  private final AtomicLong people = new AtomicLong();
  private BenchDatabase db;
  private Path dir;

  @Setup(Level.Trial)
  public void open() throws IOException {
    Path base = Path.of(System.getProperty("spaceduck.bench.dir", System.getProperty("java.io.tmpdir")));
    dir = Files.createTempDirectory(base, "spaceduck-bench-operator");
    String uri =
        switch (store) {
          case "mapdb" -> "mapdb:" + dir.resolve("bench.db");
          case "postgresql" -> (db = new BenchDatabase()).url;
          default -> throw new IllegalArgumentException("store: mapdb or postgresql, not " + store);
        };
    engine =
        SpaceDuck.builder()
            .storageUri(uri)
            .kek(DevelopmentKek.fromFile(dir.resolve("kek.json")))
            .humanCheck((t, s) -> true)
            .verificationDelivery((email, hatch, code, exp) -> codes.put(hatch, code.reveal()))
            .rateLimits(RateLimits.uniform(new RateLimits.Bucket(1_000_000_000, 1_000_000_000)))
            .build();
    admin = engine.admin().bootstrap("Admin", Email.of("admin@bench.example")).key().key();
    operator = newOperator();
  }

  /** A new T2 operator's key. Thread-safe. */
  BeakKey newOperator() {
    long n = people.incrementAndGet();
    HatchTicket t = engine.hatching().start(new HatchRequest("Duck " + n, Email.of("duck" + n + "@bench.example"), "ok", "src-" + n));
    HatchResult op = engine.hatching().complete(t.id(), VerificationCode.of(codes.remove(t.id())));
    engine.identities().promote(admin, op.duckling().id(), Tier.T2);
    return op.key().key();
  }

  @TearDown(Level.Trial)
  public void close() {
    engine.close();
    if (db != null) {
      db.close();
    }
    BenchFiles.deleteTree(dir);
  }

  /** One thread's own operator, and its own agent of the shared operator. */
  @State(Scope.Thread)
  public static class Caller {
    BeakKey ownOperator;
    IssuedKey agentKey;

    @Setup(Level.Trial)
    public void setUp(OneOperatorBenchmark b) {
      ownOperator = b.newOperator();
      agentKey = b.engine.bonds().bond(b.operator, "rotating-agent", Tier.T1).key();
    }
  }

  @Benchmark
  @Threads(1)
  public BondResult bond_oneOperator_1thread() {
    return engine.bonds().bond(operator, "agent", Tier.T1);
  }

  @Benchmark
  @Threads(8)
  public BondResult bond_oneOperator_8threads() {
    return engine.bonds().bond(operator, "agent", Tier.T1);
  }

  @Benchmark
  @Threads(8)
  public BondResult bond_ownOperator_8threads(Caller c) {
    return engine.bonds().bond(c.ownOperator, "agent", Tier.T1);
  }

  @Benchmark
  @Threads(8)
  public IssuedKey rotate_oneOperator_8threads(Caller c) {
    c.agentKey = engine.keys().rotate(operator, c.agentKey.info().id());
    return c.agentKey;
  }
}
