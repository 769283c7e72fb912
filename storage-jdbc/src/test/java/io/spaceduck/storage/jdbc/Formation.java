package io.spaceduck.storage.jdbc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;

/**
 * A local pg_auto_failover formation (a monitor and three PostgreSQL data nodes, number_sync_standbys
 * = 1) run by {@code src/test/ha/formation.sh}; see the script for what each command does. The tests
 * that use it run when {@value #ENV}{@code =true} (set by {@code .ci/run}) and are skipped otherwise,
 * with a message naming the variable; with the variable set, a missing {@code pg_autoctl} fails them.
 * {@link #close()} stops every process of the formation and deletes its directory; a JVM shutdown hook
 * does the same if the test run is cut short.
 */
final class Formation implements AutoCloseable {
  static final String ENV = "SPACEDUCK_TEST_FAILOVER";
  static final Path SCRIPT = Path.of("src/test/ha/formation.sh").toAbsolutePath();

  private final Path dir;
  private final String url;
  private final Thread cleanup;
  private boolean closed;

  /** Skips (or, with {@value #ENV}{@code =true} but no pg_autoctl, fails) the calling test. */
  static void assumeEnabled() {
    if (!"true".equalsIgnoreCase(Optional.ofNullable(System.getenv(ENV)).orElse(""))) {
      throw new TestAbortedException(
          "failover tests skipped: set " + ENV + "=true to run them (needs Debian's postgresql-15-auto-failover, run as root or postgres)");
    }
    if (!Files.isExecutable(Path.of("/usr/bin/pg_autoctl"))) {
      throw new AssertionError(ENV + "=true but /usr/bin/pg_autoctl is missing: install postgresql-15-auto-failover");
    }
  }

  private Formation(Path dir) throws IOException, InterruptedException {
    this.dir = dir;
    this.cleanup = new Thread(this::stopQuietly, "formation cleanup " + dir);
    Runtime.getRuntime().addShutdownHook(cleanup);
    int base = freeBasePort();
    run(300, "start", dir.toString(), Integer.toString(base));
    this.url = Files.readString(dir.resolve("url"), StandardCharsets.UTF_8).trim();
  }

  /** Starts a formation in a new directory under the system temp dir; returns once it is healthy. */
  static Formation start() throws IOException, InterruptedException {
    assumeEnabled();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "spaceduck-ha-");
    try {
      return new Formation(dir);
    } catch (IOException | RuntimeException | Error e) {
      new ProcessBuilder(SCRIPT.toString(), "stop", dir.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** {@code jdbc:postgresql://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/test?targetServerType=primary&user=postgres} */
  String url() {
    return url;
  }

  /** The current primary's node name, per the monitor. */
  String primary() throws IOException, InterruptedException {
    return run(30, "primary", dir.toString()).split(" ")[0];
  }

  /** kill -9 of the primary's node (keeper and postmaster); returns its name. */
  String killPrimary() throws IOException, InterruptedException {
    return run(30, "kill-primary", dir.toString()).split(" ")[0];
  }

  void restartNode(String name) throws IOException, InterruptedException {
    run(30, "restart-node", dir.toString(), name);
  }

  void switchover() throws IOException, InterruptedException {
    run(180, "switchover", dir.toString());
  }

  /** Waits until there is a primary and {@code secondaries} healthy secondaries. */
  void awaitHealthy(int secondaries) throws IOException, InterruptedException {
    run(200, "wait", dir.toString(), "180", Integer.toString(secondaries));
  }

  private String run(long seconds, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(SCRIPT.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out;
    try (var in = p.getInputStream()) {
      out = in.readAllBytes(); // the script's children are detached (setsid, output to log files)
    }
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("formation.sh " + String.join(" ", args) + " did not finish within " + seconds + " s");
    }
    String text = new String(out, StandardCharsets.UTF_8).trim();
    if (p.exitValue() != 0) {
      throw new AssertionError("formation.sh " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + text
          + "\nlogs in " + dir);
    }
    return text;
  }

  /** Four consecutive free ports on 127.0.0.1 (monitor, node1..node3). */
  private static int freeBasePort() throws IOException {
    for (int tries = 0; tries < 50; tries++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (free(base) && free(base + 1) && free(base + 2) && free(base + 3)) {
        return base;
      }
    }
    throw new IOException("no four free consecutive ports found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void stopQuietly() {
    try {
      Process p = new ProcessBuilder(SCRIPT.toString(), "stop", dir.toString()).redirectErrorStream(true).start();
      p.getInputStream().transferTo(System.err);
      p.waitFor(60, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      System.err.println("formation in " + dir + " not stopped: " + e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
