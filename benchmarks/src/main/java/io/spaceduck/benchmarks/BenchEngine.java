package io.spaceduck.benchmarks;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.core.DevelopmentKek;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.mapdb.MapDbStorage;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An engine for the in-process benchmarks: an in-memory or MapDB store (the latter in a temporary
 * directory under {@code -Dspaceduck.bench.dir}), a development KEK, a human check that always
 * passes, codes delivered into a map, rate limits too high to matter, and a bootstrapped admin. Not
 * thread-safe to set up; the engine itself is.
 */
final class BenchEngine implements AutoCloseable {
  final SpaceDuck engine;
  final Storage storage;
  final BeakKey admin;
  private final Path dir;
  private final Map<HatchId, String> codes = new ConcurrentHashMap<>();
  private final AtomicLong people = new AtomicLong();

  /**
   * {@code store}: {@code memory}, {@code mapdb} (the MapDB store with its default record cache) or
   * {@code mapdb-nocache} (the MapDB store with {@code cacheSize} 0: every read walks the B-tree).
   */
  BenchEngine(String store) {
    try {
      Path base = Path.of(System.getProperty("spaceduck.bench.dir", System.getProperty("java.io.tmpdir")));
      dir = Files.createTempDirectory(base, "spaceduck-bench");
      storage =
          switch (store) {
            case "memory" -> new InMemoryStorage();
            case "mapdb" -> MapDbStorage.open(dir.resolve("bench.db"));
            case "mapdb-nocache" -> MapDbStorage.open(dir.resolve("bench.db"), 0);
            default -> throw new IllegalArgumentException("store: memory, mapdb or mapdb-nocache, not " + store);
          };
      engine =
          SpaceDuck.builder()
              .storage(storage)
              .kek(DevelopmentKek.fromFile(dir.resolve("kek.json")))
              .humanCheck((t, s) -> true)
              .verificationDelivery((email, hatch, code, exp) -> codes.put(hatch, code.reveal()))
              .rateLimits(RateLimits.uniform(new RateLimits.Bucket(1_000_000_000, 1_000_000_000)))
              .build();
      admin = engine.admin().bootstrap("Admin", Email.of("admin@bench.example")).key().key();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Hatches a new T1 duckling (start and complete): what issues a birth certificate. Thread-safe. */
  HatchResult hatch() {
    long n = people.incrementAndGet();
    HatchTicket t =
        engine.hatching().start(new HatchRequest("Duck " + n, Email.of("duck" + n + "@bench.example"), "ok", "src-" + n));
    return engine.hatching().complete(t.id(), VerificationCode.of(codes.remove(t.id())));
  }

  /** A new T2 operator's key. */
  BeakKey operator() {
    HatchResult op = hatch();
    engine.identities().promote(admin, op.duckling().id(), Tier.T2);
    return op.key().key();
  }

  /** A new T1 agent bonded to {@code operator}. */
  BondResult agent(BeakKey operator) {
    return engine.bonds().bond(operator, "agent-" + people.incrementAndGet(), Tier.T1);
  }

  @Override
  public void close() {
    engine.close();
    BenchFiles.deleteTree(dir);
  }
}
