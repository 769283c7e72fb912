package io.spaceduck.benchmarks.scale;

import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.core.DevelopmentKek;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.mapdb.MapDbStorage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A persistent benchmark store made by {@link ScaleLoader}: one directory holding the MapDB store
 * ({@value #STORE} and its journal), the development KEK its keysets are encrypted under, a manifest
 * ({@value #MANIFEST}: what was loaded and what it cost on disk) and the raw keys of every agent and
 * operator ({@value #KEYS}).
 *
 * <p><b>The keys file holds raw Beak Keys.</b> It exists only because a benchmark must authenticate as
 * the identities it loaded, and it belongs to a throwaway store under a development KEK; it is written
 * with owner-only permissions. Never point a scale run at a store that matters.
 */
final class ScaleFixture implements AutoCloseable {
  static final String STORE = "spaceduck.db";
  static final String KEK = "kek.json";
  static final String MANIFEST = "manifest.properties";
  static final String KEYS = "keys.txt";

  final Path dir;
  final Storage storage;
  final SpaceDuck engine;

  private ScaleFixture(Path dir, Storage storage, SpaceDuck engine) {
    this.dir = dir;
    this.storage = storage;
    this.engine = engine;
  }

  /**
   * Opens the store in {@code dir} (creating it when empty) under an engine with the given rate limits;
   * the builder's other settings are the defaults a host gets, plus a human check that passes and a
   * delivery that hands codes to {@code delivery}.
   */
  static ScaleFixture open(Path dir, RateLimits limits, io.spaceduck.api.VerificationDelivery delivery) {
    return open(dir, limits, delivery, s -> s);
  }

  /** As {@link #open(Path, RateLimits, io.spaceduck.api.VerificationDelivery)}, the engine over {@code front} of the store. */
  static ScaleFixture open(
      Path dir, RateLimits limits, io.spaceduck.api.VerificationDelivery delivery, UnaryOperator<Storage> front) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // the store's record cache (issue 19): the default a host gets, unless -Dspaceduck.scale.cacheSize says
    int cacheSize = Integer.getInteger("spaceduck.scale.cacheSize", MapDbStorage.DEFAULT_CACHE_SIZE);
    MapDbStorage storage = MapDbStorage.open(dir.resolve(STORE), cacheSize);
    SpaceDuckBuilder b =
        SpaceDuck.builder()
            .storage(front.apply(storage))
            .kek(DevelopmentKek.fromFile(dir.resolve(KEK)))
            .humanCheck((token, source) -> true)
            .verificationDelivery(delivery)
            .rateLimits(limits);
    try {
      return new ScaleFixture(dir, storage, b.build());
    } catch (RuntimeException e) {
      storage.close();
      throw e;
    }
  }

  /** An engine for the benchmarks: rate limits too high to matter, no deliveries expected. */
  static ScaleFixture openForBenchmark(Path dir) {
    return openForBenchmark(dir, s -> s);
  }

  /** As {@link #openForBenchmark(Path)}, the engine over {@code front} of the store. */
  static ScaleFixture openForBenchmark(Path dir, UnaryOperator<Storage> front) {
    if (!Files.isRegularFile(dir.resolve(MANIFEST))) {
      throw new IllegalStateException(dir + " holds no complete scale store: run ScaleLoader first");
    }
    return open(
        dir,
        RateLimits.uniform(new RateLimits.Bucket(1_000_000_000, 1_000_000_000)),
        (email, hatch, code, expires) -> {
          throw new IllegalStateException("no hatching in a benchmark");
        },
        front);
  }

  static Properties manifest(Path dir) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve(MANIFEST))) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  /** Writes the manifest whole, then moves it into place: a store without one is incomplete. */
  static void writeManifest(Path dir, Properties p) {
    try {
      Path tmp = dir.resolve(MANIFEST + ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        p.store(out, "Space Duck scale store (benchmarks/ScaleLoader)");
      }
      Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Bytes on disk of the store: the MapDB file and its journal (not the KEK, manifest or keys file). */
  static long storeBytes(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      long total = 0;
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.startsWith(STORE)) {
          total += Files.size(f);
        }
      }
      return total;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The directory of the store with {@code identities} identities under {@code -Dspaceduck.scale.dir}. */
  static Path dirFor(long identities) {
    return Path.of(System.getProperty("spaceduck.scale.dir", "benchmarks/target/scale")).resolve("identities-" + identities);
  }

  /**
   * Up to {@code n} lines of kind {@code kind} ({@code A} agent, {@code O} operator) of the keys file,
   * drawn uniformly (reservoir sampling, seeded) and split into fields. Streams the file: a million lines
   * are never all in memory.
   */
  static List<String[]> sample(Path dir, String kind, int n, long seed) {
    Random random = new Random(seed);
    List<String[]> picked = new ArrayList<>(Math.min(n, 1 << 16));
    long seen = 0;
    try (BufferedReader r = Files.newBufferedReader(dir.resolve(KEYS), StandardCharsets.UTF_8)) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.startsWith(kind + " ")) {
          continue;
        }
        seen++;
        if (picked.size() < n) {
          picked.add(line.split(" "));
        } else {
          long j = (long) (random.nextDouble() * seen);
          if (j < n) {
            picked.set((int) j, line.split(" "));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return picked;
  }

  @Override
  public void close() {
    engine.close();
    storage.close();
  }
}
