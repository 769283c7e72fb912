package io.spaceduck.benchmarks;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * Figure 4 of issue 8 (verification): {@code audit().verify(admin)} over a chain of {@code events}
 * events in the in-memory store (1M in the full run), next to
 *
 * <ul>
 *   <li><b>chainVerify</b>: {@link AuditChain#verify} over the same events already in a list — the
 *       engine's check without the paging through the store;
 *   <li>the floor, <b>sha256</b>: SHA-256 over every event's canonical bytes, computed beforehand —
 *       hashing and nothing else. Goal (issue 19): the engine at ≥ 70 % of it;
 *   <li><b>sha256WithTree</b>: the floor plus the RFC 9162 tree's own hashes that {@code verify} has
 *       computed since issue 20 — a leaf hash per event and on average one node hash, through an
 *       {@link AuditTree.Frontier} over the events' hashes, taken beforehand — on one thread: the
 *       inherent work of a verification with the tree.
 * </ul>
 *
 * <p>{@code engine} uses <b>two cores</b> past 4,096 events: the calling thread pages and checks the
 * links, a second thread computes the tree, and the events' hash checks go to whichever is free
 * ({@code TreeTap} in engine-core). The floors and {@code chainVerify} use one. One operation is one verification of the whole chain; multiply by
 * {@code events} for events/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx6g")
public class AuditVerifyBenchmark {
  @Param({"1000000"})
  public int events;

  private BenchEngine bench;
  private List<AuditEvent> chain;
  private byte[][] canonical;
  private Hash[] eventHashes;
  private MessageDigest md;

  @Setup(Level.Trial)
  public void open() throws NoSuchAlgorithmException {
    bench = new BenchEngine("memory");
    long have = bench.storage.auditHead().orElseThrow().seq();
    AuditDraft draft = AuditAppendBenchmark.DRAFT;
    while (have < events) {
      int n = (int) Math.min(1000, events - have);
      bench.storage.execute(
          tx -> {
            for (int i = 0; i < n; i++) {
              tx.appendAudit(draft);
            }
            return null;
          });
      have += n;
    }
    chain = new ArrayList<>(events);
    for (long from = 1; ; ) {
      List<AuditEvent> page = bench.storage.auditRange(from, 10_000);
      if (page.isEmpty()) {
        break;
      }
      chain.addAll(page);
      from = page.get(page.size() - 1).seq() + 1;
    }
    canonical = new byte[chain.size()][];
    for (int i = 0; i < canonical.length; i++) {
      canonical[i] = AuditChain.canonicalBytes(chain.get(i));
    }
    eventHashes = chain.stream().map(AuditEvent::hash).toArray(Hash[]::new);
    md = MessageDigest.getInstance("SHA-256");
    AuditVerification v = bench.engine.audit().verify(bench.admin);
    if (!v.valid() || v.eventsVerified() != chain.size()) {
      throw new IllegalStateException("the benchmark chain does not verify");
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    bench.close();
  }

  @Benchmark
  public AuditVerification engine() {
    return bench.engine.audit().verify(bench.admin);
  }

  @Benchmark
  public AuditVerification chainVerify() {
    return AuditChain.verify(chain.iterator(), Optional.empty());
  }

  @Benchmark
  public int sha256() {
    int acc = 0;
    for (byte[] b : canonical) {
      acc += md.digest(b)[0];
    }
    return acc;
  }

  @Benchmark
  public int sha256WithTree() {
    int acc = 0;
    AuditTree.Frontier tree = new AuditTree.Frontier();
    for (int i = 0; i < canonical.length; i++) {
      acc += md.digest(canonical[i])[0];
      tree.append(eventHashes[i]);
    }
    return acc + tree.root().hashCode();
  }
}
