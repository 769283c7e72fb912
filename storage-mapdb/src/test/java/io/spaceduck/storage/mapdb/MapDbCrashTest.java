package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Bond;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety for real (issue 4, item 5; SPEC A3, A5, I4, I5): a child JVM ({@link CrashChild}) runs
 * units and pulses on several threads and reports each acknowledged one; the test SIGKILLs it at a
 * random moment ({@link Process#destroyForcibly()}), reopens the store and checks that it opens, the
 * audit chain verifies and still holds every head seen before, every acknowledged unit and pulse is
 * there, and no unit is half there — nor events without their audit tree nodes. Repeated {@code spaceduck.crash.kills} times (20 by default; the
 * Maven profile {@code stress} sets 200) on one store file on the real temporary file system, so
 * every round also recovers from the previous crash. {@code spaceduck.crash.seed} replays the random
 * kill schedule.
 *
 * <p>The kill delays are the one place these tests wait on the wall clock: a crash at a random moment
 * is the point. A fifth of the kills land before the child reports {@code READY}, i.e. during JVM
 * start, open or log recovery.
 */
class MapDbCrashTest {
  @TempDir Path dir;

  private long ackedUnits;
  private long ackedPulses;
  private long durableUnits;
  private long earlyKills;

  @Test
  @Tag("crash")
  @Tag("A5")
  @Tag("I4")
  void sigkillAtRandomMoments_losesNoAcknowledgedAction_andLeavesNoHalfUnit() throws Exception {
    int kills = Integer.getInteger("spaceduck.crash.kills", 20);
    long seed = Long.getLong("spaceduck.crash.seed", System.nanoTime());
    Random random = new Random(seed);
    Path file = dir.resolve("crash.db");
    MapDbStorage.open(file).close(); // created once; every child opens an existing store
    Optional<AuditHead> verifiedHead = Optional.empty();
    Map<Integer, Set<String>> ackedByRun = new HashMap<>();
    long started = System.nanoTime();
    for (int run = 0; run < kills; run++) {
      Acks acks = runAndKill(file, run, random, seed);
      ackedByRun.put(run, acks.units);
      ackedUnits += acks.units.size();
      ackedPulses += acks.pulses.values().stream().mapToLong(Set::size).sum();
      try (MapDbStorage s = MapDbStorage.open(file)) {
        verifiedHead = verifyChain(s, verifiedHead, "run " + run + " (seed " + seed + ")");
        verifyRun(s, run, acks, "run " + run + " (seed " + seed + ")");
      }
    }
    // every acknowledged unit of every run survived all the crashes after it
    try (MapDbStorage s = MapDbStorage.open(file)) {
      for (Map.Entry<Integer, Set<String>> e : ackedByRun.entrySet()) {
        for (String id : e.getValue()) {
          assertTrue(s.get(Tables.BONDS, id).isPresent(), "run " + e.getKey() + ": acknowledged " + id + " lost later");
        }
      }
    }
    System.out.printf(
        "MapDbCrashTest: %d SIGKILLs (%d before READY), %d acknowledged units and %d acknowledged pulses verified,"
            + " %d units durable, chain head %s, %.1f s, seed %d%n",
        kills, earlyKills, ackedUnits, ackedPulses, durableUnits, verifiedHead.map(AuditHead::seq).orElse(0L),
        (System.nanoTime() - started) / 1e9, seed);
    assertTrue(kills < 5 || ackedUnits > 0, "the children acknowledged nothing: the test tested nothing");
  }

  /** What one child acknowledged before it died. */
  private record Acks(Set<String> units, Map<String, Set<String>> pulses) {}

  private Acks runAndKill(Path file, int run, Random random, long seed) throws Exception {
    ChildJvm child =
        ChildJvm.start(CrashChild.class, dir.resolve("child-" + run + ".err"), file.toString(), Integer.toString(run));
    boolean early = random.nextInt(5) == 0;
    long delayMillis = early ? random.nextInt(600) : 20 + random.nextInt(980);
    Acks acks = new Acks(new HashSet<>(), new HashMap<>());
    try {
      if (!early) {
        String first = child.nextLine(120);
        if (!first.equals("READY")) {
          fail("run " + run + " (seed " + seed + "): child said " + first + "; stderr: " + child.stderr());
        }
      }
      // the one deliberate wall-clock wait: SIGKILL at a random moment
      TimeUnit.MILLISECONDS.sleep(delayMillis);
      if (!child.process.isAlive()) {
        fail("run " + run + ": child exited by itself (" + child.process.exitValue() + "); stderr: " + child.stderr());
      }
    } finally {
      child.kill();
    }
    child.awaitOutputEnd();
    boolean ready = !early;
    for (String line = child.nextLine(60); !line.equals(ChildJvm.EOF); line = child.nextLine(60)) {
      String[] f = line.split(" ");
      switch (f[0]) {
        case "READY" -> ready = true;
        case "U" -> acks.units.add(f[1]);
        case "P" -> acks.pulses.computeIfAbsent(f[1], a -> new HashSet<>()).add(f[2]);
        case "FAIL" -> fail("run " + run + ": child failed: " + line + "; stderr: " + child.stderr());
        default -> fail("run " + run + ": unexpected child output " + line);
      }
    }
    if (!ready) {
      earlyKills++;
    }
    return acks;
  }

  private static Optional<AuditHead> verifyChain(MapDbStorage s, Optional<AuditHead> before, String what) {
    List<AuditEvent> events = s.auditRange(1, Integer.MAX_VALUE);
    AuditVerification v = AuditChain.verify(events.iterator(), before);
    assertTrue(v.valid(), what + ": " + v);
    // the audit tree's nodes are in the commit of their events: after any kill, nodes and events agree
    MapDbAuditTreeTest.assertTreeMatches(s, events, what);
    assertEquals(s.auditHead(), events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1).head()));
    return s.auditHead();
  }

  private void verifyRun(MapDbStorage s, int run, Acks acks, String what) {
    // the run's units as the audit log has them, per thread in order
    Map<Integer, TreeSet<Integer>> kByThread = new HashMap<>();
    Set<String> audited = new HashSet<>();
    for (AuditEvent e : s.auditRange(1, Integer.MAX_VALUE)) {
      if (e.action().equals("crash.unit") && e.details().get("run").equals(Integer.toString(run))) {
        assertTrue(audited.add(e.resource()), what + ": unit audited twice " + e.resource());
        kByThread
            .computeIfAbsent(Integer.parseInt(e.details().get("thread")), t -> new TreeSet<>())
            .add(Integer.parseInt(e.details().get("k")));
      }
    }
    Set<String> bonds = new HashSet<>();
    for (Versioned<Bond> b : s.findBy(Tables.BONDS_BY_OPERATOR, CrashChild.operatorOf(run).value())) {
      bonds.add(b.value().id().value());
    }
    assertEquals(audited, bonds, what + ": bonds and audit events disagree (half a unit)");
    for (String id : bonds) {
      assertTrue(s.get(Tables.META, "crash.unit." + id).isPresent(), what + ": bond " + id + " without its meta row");
    }
    for (int t = 0; t < CrashChild.THREADS; t++) {
      TreeSet<Integer> ks = kByThread.getOrDefault(t, new TreeSet<>());
      Optional<Versioned<MetaRecord>> counter = s.get(Tables.META, CrashChild.counterKey(run, t));
      int count = counter.map(c -> Integer.parseInt(c.value().value())).orElse(0);
      assertEquals(ks.size(), count, what + ": thread " + t + " counter disagrees with its units");
      if (!ks.isEmpty()) {
        assertEquals(0, ks.first(), what + ": thread " + t + " units start at 0");
        assertEquals(ks.size() - 1, ks.last(), what + ": thread " + t + " units have a gap");
        assertEquals(count, counter.orElseThrow().version(), what + ": counter version = number of units");
      }
    }
    for (String id : acks.units) {
      assertTrue(audited.contains(id), what + ": acknowledged unit " + id + " lost");
    }
    durableUnits += audited.size();
    for (Map.Entry<String, Set<String>> p : acks.pulses.entrySet()) {
      AgentId agent = new AgentId(p.getKey());
      Set<String> history = new HashSet<>();
      for (Pulse pulse : s.pulseHistory(agent, Integer.MAX_VALUE)) {
        history.add(pulse.status());
      }
      assertTrue(history.containsAll(p.getValue()), what + ": acknowledged pulses of " + agent.value() + " lost");
      int maxAcked = p.getValue().stream().mapToInt(Integer::parseInt).max().orElseThrow();
      int latest = Integer.parseInt(s.latestPulse(agent).orElseThrow().status());
      assertTrue(latest >= maxAcked, what + ": latest pulse older than an acknowledged one");
    }
  }
}
