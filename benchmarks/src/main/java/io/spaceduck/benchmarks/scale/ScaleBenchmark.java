package io.spaceduck.benchmarks.scale;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 5 of issue 8: latency on a loaded MapDB store ({@link ScaleLoader}) with {@code identities}
 * identities — the stores of 10k and 1M are measured in the same run, so their ratio is what counts
 * (goal: flat within 1.5×).
 *
 * <ul>
 *   <li><b>authenticate</b>: {@code authenticate(rawKey)} of an agent drawn at random from {@code
 *       authSample} (default 100,000) agents sampled uniformly over the whole store, so the reads
 *       spread over the whole B-tree instead of one hot path through it. A smaller {@code authSample}
 *       on the large store separates the store's size from the working set's: the 10k store can only
 *       offer ≈ 9,000 agents ({@code -p authSample=9000});
 *   <li><b>authenticatePresented</b>: the same draw, but the key is copied into new objects before
 *       each call, outside the timed part, as a server holds a key it has just read from a request
 *       ({@link Presented}); {@code authenticate} also pays for reading the benchmark's own key array;
 *   <li><b>rotate</b>: a durable governance action — an operator rotates the current key of one of 2,000
 *       other sampled agents (authenticate, policy, the key rows, one audit event, one group commit).
 *       Each rotation adds a key row, so the 10k store grows by a few percent during the run.
 * </ul>
 *
 * {@code -p rows=map} measures the engine's own floor on the same agents: {@code authenticate}'s rows
 * come from a plain hash map filled at set-up ({@link MapFrontStorage}) instead of the store — what
 * the same working set costs with a store that does nothing but a hash lookup.
 *
 * <p>Sample time: JMH reports the mean and percentiles (p50, p99) of single calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class ScaleBenchmark {
  static final int AUTH_SAMPLE = 100_000;
  static final int ROTATE_SAMPLE = 2_000;

  @Param({"10000", "1000000"})
  public long identities;

  /**
   * How many of the sampled agents (never those of the rotate set) {@code authenticate} draws from; at
   * most {@value #AUTH_SAMPLE}, and what the store holds.
   */
  @Param({"100000"})
  public int authSample;

  /**
   * Where {@code authenticate}'s rows come from: {@code store} (the MapDB store's own {@code
   * authenticationRows}) or {@code map} (a hash map of the sampled agents' rows, recorded from the store
   * at set-up: the floor).
   */
  @Param({"store"})
  public String rows;

  private ScaleFixture fixture;
  /** The floor's hash map in front of the store ({@code rows=map}); null for {@code rows=store}. */
  private MapFrontStorage mapFront;
  private BeakKey[] authKeys;
  private Rotation[] rotations;
  private int nextRotation;

  /** An agent whose current key its operator rotates. */
  private static final class Rotation {
    final BeakKey operator;
    KeyId current;

    Rotation(BeakKey operator, KeyId current) {
      this.operator = operator;
      this.current = current;
    }
  }

  @Setup(Level.Trial)
  public void open() {
    fixture = switch (rows) {
      case "store" -> ScaleFixture.openForBenchmark(ScaleFixture.dirFor(identities));
      case "map" -> ScaleFixture.openForBenchmark(ScaleFixture.dirFor(identities), s -> mapFront = new MapFrontStorage(s));
      default -> throw new IllegalArgumentException("rows must be store or map, not " + rows);
    };
    List<String[]> operators = ScaleFixture.sample(fixture.dir, "O", Integer.MAX_VALUE, 1);
    BeakKey[] operatorKeys = new BeakKey[operators.size()];
    for (String[] o : operators) {
      operatorKeys[Integer.parseInt(o[1])] = BeakKey.of(o[2]);
    }
    // always the same sample, so the rotate set (its first agents) is the same whatever authSample is:
    // an agent rotated by an earlier run no longer authenticates with the key the sample holds
    List<String[]> agents = ScaleFixture.sample(fixture.dir, "A", AUTH_SAMPLE + ROTATE_SAMPLE, 42);
    int rotateCount = Math.min(ROTATE_SAMPLE, agents.size() / 10);
    List<Rotation> rs = new ArrayList<>();
    List<BeakKey> ks = new ArrayList<>();
    Instant now = Instant.now();
    for (int i = 0; i < agents.size(); i++) {
      String[] a = agents.get(i); // A <operator index> <agent id> <raw key>
      if (i < rotateCount) {
        BeakKey op = operatorKeys[Integer.parseInt(a[1])];
        // earlier runs rotated these agents: find the key that is current now
        KeyId current = null;
        for (KeyInfo k : fixture.engine.keys().list(op, new AgentId(a[2]))) {
          if (k.statusAt(now) == KeyStatus.ACTIVE) {
            current = k.id();
          }
        }
        if (current != null) {
          rs.add(new Rotation(op, current));
        }
      } else if (ks.size() < authSample) {
        ks.add(BeakKey.of(a[3]));
      }
    }
    authKeys = ks.toArray(BeakKey[]::new);
    rotations = rs.toArray(Rotation[]::new);
    Runnable authenticateAll = () -> {
      for (BeakKey k : authKeys) {
        fixture.engine.authenticate(k); // fails here, not in the measurement, if the sample is stale
      }
    };
    if (mapFront == null) {
      authenticateAll.run();
    } else { // the sample's chains only: the rotate set's operators authenticate from the store
      mapFront.recordDuring(authenticateAll, authKeys.length);
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    fixture.close();
  }

  /** A key of the sample, drawn at random: what both {@code authenticate} benchmarks present. */
  private BeakKey drawKey() {
    return authKeys[ThreadLocalRandom.current().nextInt(authKeys.length)];
  }

  @Benchmark
  public Principal authenticate() {
    return fixture.engine.authenticate(drawKey());
  }

  /**
   * The key as a server holds it when it calls the engine: just read from the request, so in the CPU
   * caches. {@link #authenticate} takes it from an array of 100,000 keys made at set-up, most of them
   * out of the caches, so at 100,000 agents it also measures the benchmark's own trips to memory for
   * the key object, its string and their bytes. Here an untimed set-up before each call copies a key
   * drawn the same way into new objects.
   */
  @State(Scope.Thread)
  public static class Presented {
    BeakKey key;

    @Setup(Level.Invocation)
    public void next(ScaleBenchmark b) {
      // through a char array: new String(String) would share the drawn key's bytes
      key = BeakKey.of(new String(b.drawKey().reveal().toCharArray()));
    }
  }

  /** {@link #authenticate} of a key presented as a server presents it (see {@link Presented}). */
  @Benchmark
  public Principal authenticatePresented(Presented p) {
    return fixture.engine.authenticate(p.key);
  }

  @Benchmark
  public IssuedKey rotate() {
    Rotation r = rotations[nextRotation++ % rotations.length];
    IssuedKey k = fixture.engine.keys().rotate(r.operator, r.current);
    r.current = k.info().id();
    return k;
  }
}
