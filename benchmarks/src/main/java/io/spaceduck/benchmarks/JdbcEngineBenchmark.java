package io.spaceduck.benchmarks;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.Principal;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.core.DevelopmentKek;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Storages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * The whole engine on PostgreSQL (issue 5, Performance), with one or two engine instances ({@code
 * instances}) on one database — each its own pool and committer, as two host processes would have;
 * client threads are spread over the instances. {@code authReads} chooses the authentication lookup
 * (one statement, or the three reads of before issue 19).
 *
 * <ul>
 *   <li><b>rotate</b>: a durable governance action — an operator rotates its agent's key: authenticate
 *       the caller (keyed reads + HMAC), policy, one unit with read conditions, a new key row, the old
 *       one updated, one audit event; it counts once committed. Each thread rotates its own agent's key
 *       forward.
 *   <li><b>authenticate</b>: the hot path with the strict revocation check — no cache, so every call
 *       reads the key, identity and bond rows from the database (I3).
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class JdbcEngineBenchmark {
  @Param({"1", "2"})
  public int instances;

  /**
   * How {@code authenticate} reads key, identity and bond (issue 19): {@code one-statement} = the JDBC
   * store's own lookup, one round trip; {@code three-reads} = the SPI's default, three keyed reads and
   * three round trips (the path before issue 19), for the comparison in one run.
   */
  @Param({"one-statement", "three-reads"})
  public String authReads;

  BenchDatabase db;
  SpaceDuck[] engines;
  BeakKey operator;
  final AtomicInteger threads = new AtomicInteger();
  private Path kekDir;

  @Setup(Level.Trial)
  public void open() throws IOException {
    db = new BenchDatabase();
    kekDir = Files.createTempDirectory("spaceduck-bench-kek");
    Map<HatchId, String> codes = new ConcurrentHashMap<>();
    engines = new SpaceDuck[instances];
    for (int i = 0; i < instances; i++) {
      engines[i] =
          SpaceDuck.builder()
              .storage(store())
              .kek(DevelopmentKek.fromFile(kekDir.resolve("kek.json")))
              .humanCheck((t, s) -> true)
              .verificationDelivery((email, hatch, code, exp) -> codes.put(hatch, code.reveal()))
              .rateLimits(RateLimits.uniform(new RateLimits.Bucket(100_000_000, 100_000_000)))
              .build();
    }
    HatchResult admin = engines[0].admin().bootstrap("Admin", Email.of("admin@bench.example"));
    HatchTicket t = engines[0].hatching().start(new HatchRequest("Operator", Email.of("op@bench.example"), "ok", "bench"));
    HatchResult op = engines[0].hatching().complete(t.id(), VerificationCode.of(codes.get(t.id())));
    engines[0].identities().promote(admin.key().key(), op.duckling().id(), Tier.T2);
    operator = op.key().key();
  }

  private Storage store() {
    Storage s = Storages.open(db.url, Map.of());
    return switch (authReads) {
      case "one-statement" -> s;
      case "three-reads" -> new ThreeReadStorage(s);
      default -> throw new IllegalArgumentException("authReads: one-statement or three-reads");
    };
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    for (SpaceDuck e : engines) {
      e.close();
    }
    db.close();
    Files.deleteIfExists(kekDir.resolve("kek.json"));
    Files.deleteIfExists(kekDir);
  }

  /** One thread's engine instance and agent. */
  @State(Scope.Thread)
  public static class Agent {
    SpaceDuck engine;
    BeakKey operator;
    IssuedKey key;

    @Setup(Level.Trial)
    public void bond(JdbcEngineBenchmark b) {
      engine = b.engines[b.threads.getAndIncrement() % b.engines.length];
      operator = b.operator;
      BondResult r = engine.bonds().bond(operator, "bench-agent", Tier.T1);
      key = r.key();
    }
  }

  private static IssuedKey rotate(Agent a) {
    a.key = a.engine.keys().rotate(a.operator, a.key.info().id());
    return a.key;
  }

  @Benchmark
  @Threads(1)
  public IssuedKey rotate_1thread(Agent a) {
    return rotate(a);
  }

  @Benchmark
  @Threads(8)
  public IssuedKey rotate_8threads(Agent a) {
    return rotate(a);
  }

  @Benchmark
  @Threads(1)
  public Principal authenticate_1thread(Agent a) {
    return a.engine.authenticate(a.key.key());
  }

  @Benchmark
  @Threads(8)
  public Principal authenticate_8threads(Agent a) {
    return a.engine.authenticate(a.key.key());
  }
}
