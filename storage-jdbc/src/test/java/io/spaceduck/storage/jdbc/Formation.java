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
 * = 1; or one of the weaker {@link Kind}s) run by {@code src/test/ha/formation.sh}; see the script for
 * what each command does. The tests
 * that use it run when {@value #ENV}{@code =true} (set by {@code .ci/run}) and are skipped otherwise,
 * with a message naming the variable; with the variable set, a missing {@code pg_autoctl} fails them.
 * {@link #close()} stops every process of the formation and deletes its directory; a JVM shutdown hook
 * does the same if the test run is cut short.
 */
final class Formation implements AutoCloseable {
  static final String ENV = "SPACEDUCK_TEST_FAILOVER";
  static final Path SCRIPT = Path.of("src/test/ha/formation.sh").toAbsolutePath();

  /** Which formation (the script's {@code FORMATION}); docs/storage.md, "High availability", says what each guarantees. */
  enum Kind {
    /** A primary and two secondaries in the replication quorum, number_sync_standbys = 1. */
    DEFAULT,
    /** A primary and one secondary in the quorum: synchronous only while that secondary is healthy. */
    SINGLE,
    /** A primary and one secondary outside the quorum (replication-quorum false): never synchronous. */
    ASYNC
  }

  /** One data node as the monitor sees it. */
  record Node(String name, int port, String reported, String goal, boolean healthy, String lsn, String tli) {
    @Override
    public String toString() {
      return name + ":" + port + " " + reported + "/" + goal + (healthy ? "" : " (unhealthy)") + " tli " + tli + " lsn " + lsn;
    }
  }

  /** What an operator command printed, and whether pg_autoctl accepted it. */
  record Outcome(boolean accepted, String output) {}

  private final Path dir;
  private final Kind kind;
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

  private Formation(Path dir, Kind kind) throws IOException, InterruptedException {
    this.dir = dir;
    this.kind = kind;
    this.cleanup = new Thread(this::stopQuietly, "formation cleanup " + dir);
    Runtime.getRuntime().addShutdownHook(cleanup);
    int base = freeBasePort();
    run(300, "start", dir.toString(), Integer.toString(base));
    this.url = Files.readString(dir.resolve("url"), StandardCharsets.UTF_8).trim();
  }

  /** Starts the default formation in a new directory under the system temp dir; returns once it is healthy. */
  static Formation start() throws IOException, InterruptedException {
    return start(Kind.DEFAULT);
  }

  /** Starts a formation of {@code kind} in a new directory of its own (own ports too); returns once it is healthy. */
  static Formation start(Kind kind) throws IOException, InterruptedException {
    assumeEnabled();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "spaceduck-ha-" + kind.name().toLowerCase(java.util.Locale.ROOT) + "-");
    try {
      return new Formation(dir, kind);
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

  Kind kind() {
    return kind;
  }

  /** Every data node as the monitor sees it now. */
  List<Node> nodes() throws IOException, InterruptedException {
    List<Node> nodes = new ArrayList<>();
    for (String line : run(30, "nodes", dir.toString()).split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length >= 7) {
        nodes.add(new Node(f[0], Integer.parseInt(f[1]), f[2], f[3], f[4].equals("1"), f[5], f[6]));
      }
    }
    return nodes;
  }

  Node node(String name) throws IOException, InterruptedException {
    return nodes().stream().filter(n -> n.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no node " + name + " in the formation"));
  }

  /**
   * The node that takes writes now — {@code primary}, or {@code wait_primary}/{@code single} (a primary
   * without a synchronous standby) — reported and assigned alike; waits up to 30 s for the monitor to
   * hear of it.
   */
  String writable() throws IOException, InterruptedException {
    List<String> writable = List.of("primary", "wait_primary", "single");
    for (int i = 0; i < 150; i++) {
      for (Node n : nodes()) {
        if (writable.contains(n.reported()) && n.reported().equals(n.goal())) {
          return n.name();
        }
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    throw new AssertionError("no node takes writes: " + nodes());
  }

  /** A superuser JDBC URL of one node (not through the multi-host URL: standbys too). */
  String nodeUrl(String name, String database) throws IOException, InterruptedException {
    return "jdbc:postgresql://127.0.0.1:" + node(name).port() + "/" + database + "?user=postgres&connectTimeout=5&socketTimeout=10";
  }

  /** Waits until node {@code name} reports {@code state} to the monitor. */
  void awaitState(String name, String state, int seconds) throws IOException, InterruptedException {
    run(seconds + 20L, "wait-state", dir.toString(), name, state, Integer.toString(seconds));
  }

  /** kill -9 of node {@code name} (keeper and postmaster), primary or not. */
  void killNode(String name) throws IOException, InterruptedException {
    run(30, "kill-node", dir.toString(), name);
  }

  /** SIGSTOP of the primary's WAL senders: no standby receives WAL from now on. Returns what the script printed. */
  String freezeReplication() throws IOException, InterruptedException {
    return run(30, "freeze-replication", dir.toString());
  }

  /** SIGSTOP of every standby's WAL receiver: WAL leaves the primary, but no standby writes or acknowledges it. */
  String freezeStandbys() throws IOException, InterruptedException {
    return run(30, "freeze-standbys", dir.toString());
  }

  /** SIGCONT of whatever {@link #freezeReplication} or {@link #freezeStandbys} stopped. */
  void thawReplication() throws IOException, InterruptedException {
    run(30, "thaw-replication", dir.toString());
  }

  /** {@code pg_autoctl perform failover}: accepted or refused, with what it printed. */
  Outcome performFailover() throws IOException, InterruptedException {
    return attempt(60, "perform-failover", dir.toString());
  }

  /** {@code pg_autoctl perform promotion --name name}. */
  Outcome performPromotion(String name) throws IOException, InterruptedException {
    return attempt(60, "perform-promotion", dir.toString(), name);
  }

  /** {@code pg_autoctl drop node --force --name name} against the monitor. */
  Outcome dropNode(String name) throws IOException, InterruptedException {
    return attempt(60, "drop-node", dir.toString(), name);
  }

  /** {@code pg_autoctl show state} as text. */
  String state() throws IOException, InterruptedException {
    return run(30, "state", dir.toString());
  }

  private Outcome attempt(long seconds, String... args) throws IOException, InterruptedException {
    Process p = process(args);
    byte[] out;
    try (var in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("formation.sh " + String.join(" ", args) + " did not finish within " + seconds + " s");
    }
    String text = new String(out, StandardCharsets.UTF_8).trim();
    // pg_autoctl perform promotion exits 0 when the monitor refuses it; its log says ERROR
    return new Outcome(p.exitValue() == 0 && !text.contains(" ERROR ") && !text.contains(" FATAL "), text);
  }

  private Process process(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(SCRIPT.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    b.environment().put("FORMATION", kind.name().toLowerCase(java.util.Locale.ROOT)); // read by start only
    return b.start();
  }

  private String run(long seconds, String... args) throws IOException, InterruptedException {
    Process p = process(args);
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

  /** Four consecutive free ports on 127.0.0.1 (monitor, node1..node3; the two-node kinds use three). */
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
