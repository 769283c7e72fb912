package io.spaceduck.benchmarks.scale;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.benchmarks.BenchFiles;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loads a scale store (issue 8, figure 5): {@code --identities N} identities and {@code --events E}
 * audit events in a MapDB store in {@code --dir}, and records in its manifest what they cost on disk.
 *
 * <ul>
 *   <li><b>Identities</b> go through the public API, exactly as a host makes them: the bootstrap admin,
 *       one hatched operator (start + complete + promotion to T2) per {@code --agents-per-operator}
 *       agents, and agents bonded by their operators ({@code bonds().bond}) from {@code --threads}
 *       threads — each with its identity, bond, Beak Key, signed birth certificate and audit event.
 *   <li><b>Audit events</b> beyond the ones those actions appended are copies of the store's own bond
 *       events (same fields, so the same size; a new timestamp), appended through the storage SPI in
 *       units of {@value #EVENTS_PER_UNIT} — linked and hashed by the store exactly as the engine's are.
 *       Going through the engine would need a real governance action per event: hours for 10M events
 *       on 2 cores, with nothing more to learn about the store.
 * </ul>
 *
 * A directory with a complete manifest for the same counts is reused; an incomplete one is wiped and
 * loaded again. Run it through {@code benchmarks/scale.sh} or {@code mvn -Pscale}; see {@code
 * docs/benchmarks.md}.
 */
public final class ScaleLoader {
  static final int EVENTS_PER_UNIT = 2_000;

  private ScaleLoader() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    Path dir = Path.of(a.getOrDefault("dir", "benchmarks/target/scale/identities-10000"));
    long identities = Long.parseLong(a.getOrDefault("identities", "10000"));
    long events = Long.parseLong(a.getOrDefault("events", Long.toString(identities * 10)));
    int threads = Integer.parseInt(a.getOrDefault("threads", "8"));
    int agentsPerOperator = Integer.parseInt(a.getOrDefault("agents-per-operator", "1000"));
    if (identities < 3 || events < identities || threads < 1 || agentsPerOperator < 1) {
      throw new IllegalArgumentException("need identities >= 3, events >= identities, threads >= 1");
    }
    if (Files.isRegularFile(dir.resolve(ScaleFixture.MANIFEST))) {
      Properties m = ScaleFixture.manifest(dir);
      if (Long.parseLong(m.getProperty("identities")) == identities
          && Long.parseLong(m.getProperty("events")) == events) {
        System.out.println("== " + dir + ": reusing the loaded store (" + identities + " identities, " + events + " events)");
        return;
      }
    }
    BenchFiles.deleteTree(dir);
    new ScaleLoader().load(dir, identities, events, threads, agentsPerOperator);
  }

  private final Map<HatchId, String> codes = new ConcurrentHashMap<>();

  private void load(Path dir, long identities, long events, int threads, int agentsPerOperator) throws Exception {
    long t0 = System.nanoTime();
    Properties m = new Properties();
    m.setProperty("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
    m.setProperty("threads", Integer.toString(threads));
    try (ScaleFixture f =
            ScaleFixture.open(
                dir,
                RateLimits.uniform(new RateLimits.Bucket(1_000_000_000, 1_000_000_000)),
                (email, hatch, code, expires) -> codes.put(hatch, code.reveal()));
        BufferedWriter keys = keysFile(dir)) {
      BeakKey admin = f.engine.admin().bootstrap("Scale Admin", Email.of("admin@scale.example")).key().key();
      long bytesEmpty = ScaleFixture.storeBytes(dir);
      // operators: the admin counts as one identity, each operator as one, the rest are agents
      int operators = (int) Math.max(1, (identities - 1 + agentsPerOperator) / (agentsPerOperator + 1));
      long agents = identities - 1 - operators;
      List<BeakKey> operatorKeys = new ArrayList<>();
      for (int i = 0; i < operators; i++) {
        HatchResult op = hatch(f, i);
        f.engine.identities().promote(admin, op.duckling().id(), Tier.T2);
        operatorKeys.add(op.key().key());
        keys.write("O " + i + " " + op.key().key().reveal() + "\n");
      }
      // Bonds of one operator run one after another in the engine (each writes the operator's bond
      // fence, D1): each thread bonds for its own operators only, so the threads never wait on each other.
      int workers = Math.min(threads, operators);
      AtomicLong done = new AtomicLong();
      inParallel("identities", workers, done, agents, me -> {
        for (long i = 0; i < agents; i++) {
          int op = (int) (i % operators); // agents spread evenly over the operators
          if (op % workers == me) {
            BondResult b = f.engine.bonds().bond(operatorKeys.get(op), "scale-agent-" + i, Tier.T1);
            String line = "A " + op + " " + b.agent().id().value() + " " + b.key().key().reveal() + "\n";
            synchronized (keys) {
              keys.write(line);
            }
            done.incrementAndGet();
          }
        }
      });
      long tIdentities = System.nanoTime();
      long bytesIdentities = ScaleFixture.storeBytes(dir);
      long seqAfterIdentities = f.storage.auditHead().orElseThrow().seq();

      // filler events: copies of the newest bond events, appended in big units from two threads
      List<AuditDraft> templates = new ArrayList<>();
      for (AuditEvent e : f.storage.auditRange(Math.max(1, seqAfterIdentities - 999), 1000)) {
        if (e.action().equals(AuditAction.BOND_CREATED.code()) || templates.isEmpty()) {
          templates.add(AuditChain.draftOf(e));
        }
      }
      long filler = events - seqAfterIdentities;
      AtomicLong appended = new AtomicLong();
      AtomicLong units = new AtomicLong();
      long unitCount = (filler + EVENTS_PER_UNIT - 1) / EVENTS_PER_UNIT;
      // two units in flight: one is validated and encoded while the other commits
      inParallel("audit events", 2, appended, filler, me -> {
        for (long u; (u = units.getAndIncrement()) < unitCount; ) {
          long first = u * EVENTS_PER_UNIT;
          int n = (int) Math.min(EVENTS_PER_UNIT, filler - first);
          Instant now = Instant.now();
          f.storage.execute(
              tx -> {
                for (int i = 0; i < n; i++) {
                  AuditDraft d = templates.get((int) ((first + i) % templates.size()));
                  tx.appendAudit(
                      new AuditDraft(d.action(), d.actor(), d.resource(), d.scope(), now, d.engineVersion(),
                          d.reason(), d.outcome(), d.details()));
                }
                return null;
              });
          appended.addAndGet(n);
        }
      });
      long tEvents = System.nanoTime();
      long seq = f.storage.auditHead().orElseThrow().seq();
      if (seq != events) {
        throw new IllegalStateException("expected " + events + " events, the head is at " + seq);
      }
      keys.flush();
      long bytesEvents = ScaleFixture.storeBytes(dir);
      m.setProperty("identities", Long.toString(identities));
      m.setProperty("operators", Integer.toString(operators));
      m.setProperty("agents", Long.toString(agents));
      m.setProperty("events", Long.toString(events));
      m.setProperty("events_from_identities", Long.toString(seqAfterIdentities));
      m.setProperty("bytes_empty", Long.toString(bytesEmpty));
      m.setProperty("bytes_after_identities", Long.toString(bytesIdentities));
      m.setProperty("bytes_after_events", Long.toString(bytesEvents));
      m.setProperty("bytes_per_identity",
          String.format("%.1f", (bytesIdentities - bytesEmpty) / (double) (identities - 1)));
      m.setProperty("bytes_per_event", String.format("%.1f", (bytesEvents - bytesIdentities) / (double) filler));
      m.setProperty("seconds_identities", String.format("%.1f", (tIdentities - t0) / 1e9));
      m.setProperty("seconds_events", String.format("%.1f", (tEvents - tIdentities) / 1e9));
    }
    ScaleFixture.writeManifest(dir, m);
    System.out.println("== " + dir + ": loaded");
    m.forEach((k, v) -> System.out.println("   " + k + " = " + v));
  }

  private HatchResult hatch(ScaleFixture f, int i) {
    HatchTicket t =
        f.engine.hatching().start(
            new HatchRequest("Scale Operator " + i, Email.of("operator" + i + "@scale.example"), "ok", "src-" + i));
    return f.engine.hatching().complete(t.id(), VerificationCode.of(codes.remove(t.id())));
  }

  /** One worker's share of a parallel phase; {@code me} is its index. */
  @FunctionalInterface
  private interface Worker {
    void run(int me) throws Exception;
  }

  /**
   * Runs {@code worker} on {@code threads} threads and waits for all of them, printing {@code done} of
   * {@code total} every ten seconds; rethrows the first failure (the pool is stopped either way).
   */
  private static void inParallel(String what, int threads, AtomicLong done, long total, Worker worker) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        work.add(pool.submit(() -> {
          worker.run(me);
          return null;
        }));
      }
      long start = System.nanoTime();
      for (Future<?> w : work) {
        while (true) {
          try {
            w.get(10, TimeUnit.SECONDS);
            break;
          } catch (TimeoutException e) {
            long d = done.get();
            System.out.printf("   %s: %,d of %,d (%,.0f/s)%n", what, d, total, d / ((System.nanoTime() - start) / 1e9));
          }
        }
      }
      System.out.printf("   %s: %,d in %.1f s%n", what, done.get(), (System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  private static BufferedWriter keysFile(Path dir) throws IOException {
    Path p = dir.resolve(ScaleFixture.KEYS);
    Files.deleteIfExists(p);
    Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    return Files.newBufferedWriter(p, StandardCharsets.UTF_8);
  }
}
