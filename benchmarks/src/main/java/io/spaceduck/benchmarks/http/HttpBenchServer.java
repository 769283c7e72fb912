package io.spaceduck.benchmarks.http;

import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.benchmarks.BenchFiles;
import io.spaceduck.core.DevelopmentKek;
import io.spaceduck.server.SpaceDuckServer;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.mapdb.MapDbStorage;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.io.IOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The server side of the HTTP benchmark ({@code benchmarks/http/run.sh}, docs/benchmarks.md): an
 * engine on a fresh in-memory or MapDB store, one hatched T1 duckling whose Beak Key is written to a
 * file readable by its owner only (never printed), and the server on a loopback port with the
 * benchmark-only {@code GET /bench/bare} turned on. Runs until SIGTERM, then closes the server
 * (draining), the engine, and deletes the store.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.spaceduck.benchmarks.http.HttpBenchServer \
 *     --store memory|mapdb --port 18080 --key-file /tmp/bench.key [--dir /path/for/the/store]
 * </pre>
 *
 * <p><b>Rate limits are raised</b> (every bucket: capacity and refill one billion) so R1's per-identity
 * bucket never refuses during the run: the benchmark measures the cost of an authenticated call, not
 * the refusal path. Default server limits ({@code ServerLimits.defaults()}: 40 threads, 32 requests at
 * once, 128 waiting) — the ones a deployment gets.
 */
public final class HttpBenchServer {
  private HttpBenchServer() {}

  public static void main(String[] args) throws Exception {
    String store = "memory";
    int port = 18080;
    Path keyFile = null;
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--store" -> store = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--key-file" -> keyFile = Path.of(args[++i]);
        case "--dir" -> base = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: --store memory|mapdb --port N --key-file FILE [--dir DIR]");
      }
    }
    if (keyFile == null) {
      throw new IllegalArgumentException("--key-file is required (the Beak Key is never printed)");
    }
    Path dir = Files.createTempDirectory(base, "spaceduck-http-bench");
    Storage storage = switch (store) {
      case "memory" -> new InMemoryStorage();
      case "mapdb" -> MapDbStorage.open(dir.resolve("bench.db"));
      default -> throw new IllegalArgumentException("--store memory or mapdb, not " + store);
    };
    Map<HatchId, String> codes = new ConcurrentHashMap<>();
    SpaceDuck duck = SpaceDuck.builder()
        .storage(storage)
        .kek(DevelopmentKek.fromFile(dir.resolve("kek.json")))
        .humanCheck((token, source) -> true)
        .verificationDelivery((email, hatch, code, expiresAt) -> codes.put(hatch, code.reveal()))
        .rateLimits(RateLimits.uniform(new RateLimits.Bucket(1_000_000_000L, 1_000_000_000d)))
        .build();
    duck.admin().bootstrap("Admin", Email.of("admin@bench.example"));
    HatchTicket ticket = duck.hatching().start(new HatchRequest("Bench Duck", Email.of("duck@bench.example"), "ok", "bench"));
    HatchResult hatched = duck.hatching().complete(ticket.id(), VerificationCode.of(codes.remove(ticket.id())));
    writeOwnerOnly(keyFile, hatched.key().key().reveal());

    SpaceDuckServer server = SpaceDuckServer.builder()
        .engine(duck)
        .listen(new InetSocketAddress("127.0.0.1", port))
        .benchmarkEndpoint(true)
        .start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } finally {
        duck.close();
        BenchFiles.deleteTree(dir);
        stopped.countDown();
      }
    }, "http-bench-stop"));
    System.out.println("serving " + server.uri() + " store=" + store + " key in " + keyFile);
    System.out.flush();
    stopped.await();
  }

  /** Creates {@code file} with mode 0600 before anything is written to it. */
  private static void writeOwnerOnly(Path file, String secret) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
      w.write(secret);
    }
  }
}
