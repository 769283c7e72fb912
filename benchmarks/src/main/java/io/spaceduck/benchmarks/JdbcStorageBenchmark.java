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
import io.spaceduck.storage.Storages;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.jdbc.JdbcStorage;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
 * Durable writes per second on one {@link JdbcStorage} over PostgreSQL (issue 5, Performance): a
 * <em>unit</em> inserts one indexed row (a bond) and appends one audit event; an <em>audit append</em>
 * is a unit that only appends an event; a <em>pulse</em> is one {@code recordPulse}. Each counts once
 * the call has returned, i.e. once the database committed it. 1 and 8 client threads (audit appends
 * also 2 and 4); the store's
 * committer puts whatever waits into one transaction (group commit); {@code maxBatch=1} measures the
 * same work with one transaction per unit, in the same run. Database: {@code
 * -Dspaceduck.bench.jdbc} (default a local PostgreSQL, see {@link BenchDatabase}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class JdbcStorageBenchmark {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** 1 = one transaction (one head lock, one fsync) per unit: the baseline group commit is measured against. */
  @Param({"1", "512"})
  public int maxBatch;

  /**
   * The committer's gathering delay in µs (store option {@code groupCommitDelayMicros}; 150 is the
   * store's default, 0 takes whatever waits when the committer is free). {@code -p
   * groupCommitDelayMicros=0,150} compares.
   */
  @Param({"150"})
  public int groupCommitDelayMicros;

  private BenchDatabase db;
  private JdbcStorage store;
  private final AtomicLong ids = new AtomicLong();
  private DucklingId operator;

  @Setup(Level.Trial)
  public void open() {
    db = new BenchDatabase();
    store = (JdbcStorage) Storages.open(db.url, Map.of("poolSize", "12", "maxBatch", Integer.toString(maxBatch),
        "groupCommitDelayMicros", Integer.toString(groupCommitDelayMicros)));
    operator = new DucklingId(DucklingId.PREFIX + MapDbStorageBenchmark.body(1));
  }

  @TearDown(Level.Trial)
  public void close() {
    System.out.println("\n" + store.commitStats());
    store.close();
    db.close();
  }

  private AuditDraft draft(String resource) {
    return AuditDraft.of("agent.bond", operator.value(), resource, Optional.of(operator.value()), T0, "bench",
        ReasonCode.NONE, AuditOutcome.SUCCESS, Map.of("n", resource));
  }

  private void unit() {
    long n = ids.incrementAndGet();
    String body = MapDbStorageBenchmark.body(n);
    Bond bond = new Bond(new BondId(BondId.PREFIX + body), new AgentId(AgentId.PREFIX + body), operator, "agent", T0,
        BondStatus.ACTIVE, Optional.empty());
    AuditDraft d = draft(bond.id().value());
    store.execute(tx -> {
      tx.insert(Tables.BONDS, bond);
      tx.appendAudit(d);
      return null;
    });
  }

  private void append() {
    AuditDraft d = draft("r" + ids.incrementAndGet());
    store.execute(tx -> {
      tx.appendAudit(d);
      return null;
    });
  }

  private void pulse() {
    long n = ids.incrementAndGet();
    store.recordPulse(new Pulse(new AgentId(AgentId.PREFIX + MapDbStorageBenchmark.body(n % 1000)), operator, T0.plusMillis(n), "ok"));
  }

  @Benchmark
  @Threads(1)
  public void unit_1thread() {
    unit();
  }

  @Benchmark
  @Threads(8)
  public void unit_8threads() {
    unit();
  }

  @Benchmark
  @Threads(1)
  public void auditAppend_1thread() {
    append();
  }

  /** 2 and 4 callers: what a gathering delay costs or gives where batches are small (a caller's latency is threads ÷ rate). */
  @Benchmark
  @Threads(2)
  public void auditAppend_2threads() {
    append();
  }

  @Benchmark
  @Threads(4)
  public void auditAppend_4threads() {
    append();
  }

  @Benchmark
  @Threads(8)
  public void auditAppend_8threads() {
    append();
  }

  /** How long a thinking caller waits between its appends: longer than a commit, longer than the gathering delay. */
  static final long THINK_NANOS = 1_000_000;

  /**
   * 8 callers that think 1 ms between appends, so a released caller never comes back within the
   * gathering delay: what gathering costs where it cannot help (the score includes the thinking; a
   * caller's append takes 8 ÷ score − 1 ms).
   */
  @Benchmark
  @Threads(8)
  public void auditAppendThinking_8threads() {
    LockSupport.parkNanos(THINK_NANOS);
    append();
  }

  @Benchmark
  @Threads(1)
  public void pulse_1thread() {
    pulse();
  }

  @Benchmark
  @Threads(8)
  public void pulse_8threads() {
    pulse();
  }
}
