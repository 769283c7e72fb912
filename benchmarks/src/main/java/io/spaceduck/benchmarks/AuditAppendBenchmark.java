package io.spaceduck.benchmarks;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.mapdb.MapDbStorage;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 4 of issue 8 (appends): one audit event appended as its own storage unit — linked to the
 * head, hashed, and (MapDB) durable when {@code execute} returns; the store batches concurrent units
 * into one commit. The floor, <b>sha256</b>, is what linking an event costs at the least: SHA-256 over
 * its canonical bytes ({@link AuditChain#canonicalBytes}). PostgreSQL's figure is {@code
 * JdbcStorageBenchmark.auditAppend_*} (group commit vs one commit per event).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class AuditAppendBenchmark {
  static final AuditDraft DRAFT =
      AuditDraft.of("agent.bond", "dk_abcdefghijklmnop", "bd_abcdefghijklmnop", Optional.of("dk_abcdefghijklmnop"),
          Instant.parse("2026-01-01T00:00:00Z"), "bench", ReasonCode.NONE, AuditOutcome.SUCCESS,
          Map.of("agent", "ag_abcdefghijklmnop"));

  @Param({"memory", "mapdb"})
  public String store;

  private Path dir;
  private Storage storage;
  private byte[] canonical;

  @Setup(Level.Trial)
  public void open() throws IOException {
    Path base = Path.of(System.getProperty("spaceduck.bench.dir", System.getProperty("java.io.tmpdir")));
    dir = Files.createTempDirectory(base, "spaceduck-bench");
    storage =
        switch (store) {
          case "memory" -> new InMemoryStorage();
          case "mapdb" -> MapDbStorage.open(dir.resolve("bench.db"));
          default -> throw new IllegalArgumentException(store);
        };
    AuditEvent e = AuditChain.link(DRAFT, 1, Hash.ZERO);
    canonical = AuditChain.canonicalBytes(e);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    storage.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** One digest per thread, as the store keeps them. */
  @State(Scope.Thread)
  public static class Digest {
    MessageDigest md;

    @Setup(Level.Trial)
    public void init() throws NoSuchAlgorithmException {
      md = MessageDigest.getInstance("SHA-256");
    }
  }

  private void append() {
    storage.execute(
        tx -> {
          tx.appendAudit(DRAFT);
          return null;
        });
  }

  @Benchmark
  @Threads(1)
  public void append_1thread() {
    append();
  }

  @Benchmark
  @Threads(8)
  public void append_8threads() {
    append();
  }

  @Benchmark
  @Threads(1)
  public byte[] sha256_1thread(Digest d) {
    return d.md.digest(canonical);
  }
}
