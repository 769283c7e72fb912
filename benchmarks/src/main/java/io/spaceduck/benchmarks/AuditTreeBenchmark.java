package io.spaceduck.benchmarks;

import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Storages;
import io.spaceduck.storage.mapdb.MapDbStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The audit tree on a store (issue 20): what a checkpoint ({@link AuditTree#root}), an inclusion proof
 * and a consistency proof cost at {@code events} events — the tree part of {@code
 * audit().checkpoint/inclusionProof/consistencyProof}, without the signature — with the nodes the store
 * keeps ({@code nodes=stored}: {@link Storage#auditSubtree}, a point read per node) against the SPI's
 * default that recomputes each subtree from the events ({@code nodes=fromEvents}: {@link
 * AuditTreeNodes#fromEvents}, what MapDB did before format 3). Sample time, so the JSON holds p50.
 *
 * <p>{@code store}: {@code mapdb} (the default store) or {@code postgresql} (the JDBC store on the
 * database of {@code -Dspaceduck.bench.jdbc}, a fresh schema, see {@link BenchDatabase}) — the fixture
 * appends {@code events} events in units of 1,000 to a fresh store once per trial; or {@code scale}, the
 * MapDB store of 1,000,000 identities and 10,000,000 events that {@code benchmarks/scale.sh} loaded
 * into {@code -Dspaceduck.scale.dir} (then {@code events} is ignored; the store is only read).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class AuditTreeBenchmark {
  @Param({"100000"})
  public int events;

  @Param({"stored", "fromEvents"})
  public String nodes;

  @Param({"mapdb"})
  public String store;

  private Path dir;
  private BenchDatabase db;
  private Storage storage;
  private AuditTree.Subtrees subtrees;
  private long size;
  private final SplittableRandom random = new SplittableRandom(20);

  @Setup(Level.Trial)
  public void open() throws IOException {
    switch (store) {
      case "mapdb" -> {
        Path base = Path.of(System.getProperty("spaceduck.bench.dir", System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory(base, "spaceduck-bench");
        storage = MapDbStorage.open(dir.resolve("bench.db"));
      }
      case "postgresql" -> {
        db = new BenchDatabase();
        storage = Storages.open(db.url, Map.of("poolSize", "2"));
      }
      // the layout of benchmarks.scale.ScaleFixture (named here, not imported: no package cycle)
      case "scale" -> storage = MapDbStorage.open(Path.of(System.getProperty("spaceduck.scale.dir", "benchmarks/target/scale"))
          .resolve("identities-1000000").resolve("spaceduck.db"));
      default -> throw new IllegalArgumentException(store);
    }
    List<AuditDraft> unit = java.util.Collections.nCopies(1000, AuditAppendBenchmark.DRAFT);
    for (int done = 0; !store.equals("scale") && done < events; done += unit.size()) {
      List<AuditDraft> u = unit.subList(0, Math.min(unit.size(), events - done));
      storage.execute(tx -> {
        u.forEach(tx::appendAudit);
        return null;
      });
    }
    size = storage.auditHead().orElseThrow().seq();
    Storage s = storage;
    subtrees =
        switch (nodes) {
          case "stored" -> (level, index) -> s.auditSubtree(level, index).orElseThrow();
          case "fromEvents" -> (level, index) -> AuditTreeNodes.fromEvents(s, level, index).orElseThrow();
          default -> throw new IllegalArgumentException(nodes);
        };
    if (!AuditTree.root(size, subtrees).equals(AuditTree.root(size, (l, i) -> AuditTreeNodes.fromEvents(s, l, i).orElseThrow()))) {
      throw new IllegalStateException("stored nodes disagree with the events");
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    storage.close();
    if (db != null) {
      db.close();
    }
    if (dir == null) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Benchmark
  public Hash checkpointRoot() {
    return AuditTree.root(size, subtrees);
  }

  @Benchmark
  public List<Hash> inclusionProof() {
    return AuditTree.inclusionPath(random.nextLong(size), size, subtrees);
  }

  @Benchmark
  public List<Hash> consistencyProof() {
    return AuditTree.consistencyPath(1 + random.nextLong(size - 1), size, subtrees);
  }
}
