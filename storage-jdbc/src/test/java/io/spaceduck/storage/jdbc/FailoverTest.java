package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.Unavailable;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDBC store through a PostgreSQL failover (issue 21), on a real pg_auto_failover formation
 * ({@link Formation}: a primary, two secondaries, number_sync_standbys = 1). Two engine instances ×
 * four threads run governance actions (bond, key rotation and revocation, bond revocation, peck
 * request and acceptance) and pulses through the multi-host URL while the primary is killed ({@code
 * kill -9} of its keeper and postmaster; the killed node is started again and rejoins) or handed over by a planned
 * switchover: {@code spaceduck.jdbc.failover.faults} faults, alternately a kill and a switchover (2 in
 * CI; -Pstress: 6), so the primary moves back and forth between the nodes.
 *
 * <p>Afterwards: every action acknowledged to a caller (tracked by id on the client side) left exactly
 * one success event and its row; every acknowledged pulse is in the history; no success event exists
 * that no caller was told of, beyond the calls that ended "outcome unknown"; the chain verifies from
 * seq 1 to the head, gapless; every revocation acknowledged before a kill is refused on both
 * instances on the first call after the failover; calls fail only with {@code Unavailable} and only
 * between the kill and the formation's recovery. The outage (kill → first successful action started
 * after it) and the counts are printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailoverTest {
  /** Faults per run, alternately a kill and a switchover: 2 in CI, 6 with -Pstress. */
  private static final int FAULTS = Integer.getInteger("spaceduck.jdbc.failover.faults", 2);
  private static final long LOAD_MILLIS = 3_000; // load before the first and after every fault

  @TempDir Path dir;
  private Formation formation;

  @BeforeAll
  void startFormation() throws Exception {
    formation = Formation.start();
  }

  @AfterAll
  void stopFormation() {
    if (formation != null) {
      formation.close();
    }
  }

  @Test
  @Tag("I3")
  @Tag("A5")
  void killsAndSwitchoversMidLoad() throws Exception {
    run();
  }

  /** An action a caller was told succeeded: its audit action and resource. */
  private record Ack(String action, String resource) {}

  private record Live(BeakKey operator, BondResult bond, List<IssuedKey> keys) {
    BeakKey anyKey(ThreadLocalRandom r) {
      return keys.get(r.nextInt(keys.size())).key();
    }
  }

  /** What the callers saw. */
  private static final class Tally {
    final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Pulse> pulses = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<IssuedKey> revoked = new ConcurrentLinkedQueue<>();
    final AtomicLong denied = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong unavailable = new AtomicLong();
    final AtomicLong outcomeUnknown = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    /** nanoTime of the latest kill/switchover; Long.MAX_VALUE before the first. */
    final AtomicLong faultAt = new AtomicLong(Long.MAX_VALUE);
    /** nanoTime by which the formation had recovered from the latest fault (Unavailable allowed until then). */
    final AtomicLong recoveredAt = new AtomicLong(Long.MIN_VALUE);
    /** Every successful call: {start, end} in nanoTime. */
    final ConcurrentLinkedQueue<long[]> successes = new ConcurrentLinkedQueue<>();
    /** What the Unavailable refusals said (their store causes), counted. */
    final Map<String, Integer> unavailableWhy = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicInteger pulseSeq = new AtomicInteger();
  }

  private void run() throws Exception {
    String schema = "sdt_failover_" + Long.toUnsignedString(System.nanoTime(), 36);
    try (Connection c = DriverManager.getConnection(formation.url()); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    String url = TestDatabase.withParam(formation.url(), "currentSchema=" + schema);
    var mailbox = EngineInstance.mailbox();
    try (EngineInstance a = new EngineInstance(url, dir.resolve("kek.json"), mailbox);
        EngineInstance b = new EngineInstance(url, dir.resolve("kek.json"), mailbox)) {
      EngineInstance[] instances = {a, b};
      BeakKey admin = a.bootstrap().key().key();
      List<BeakKey> operators = List.of(a.operator(admin, "Olive"), b.operator(admin, "Oscar"));
      BeakKey t1 = b.hatch("Tina").key().key();
      CopyOnWriteArrayList<Live> agents = new CopyOnWriteArrayList<>();
      CopyOnWriteArrayList<Peck> requested = new CopyOnWriteArrayList<>();
      long startSeq = a.storage.auditHead().orElseThrow().seq();
      Tally tally = new Tally();

      AtomicInteger stop = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        EngineInstance self = instances[t % 2];
        EngineInstance other = instances[(t + 1) % 2];
        futures.add(pool.submit(() -> {
          ThreadLocalRandom r = ThreadLocalRandom.current();
          while (stop.get() == 0) {
            act(r, self, other, operators, t1, agents, requested, tally);
          }
        }));
      }

      List<String> outages = new ArrayList<>();
      try {
        TimeUnit.MILLISECONDS.sleep(LOAD_MILLIS); // load against a healthy formation (no clock involved: real database time)
        for (int round = 0; round < FAULTS; round++) {
          boolean kill = round % 2 == 0;
          List<IssuedKey> revokedBefore = List.copyOf(tally.revoked);
          String from = formation.primary();
          long windowStart = System.nanoTime();
          tally.faultAt.set(windowStart);
          String killed = null;
          long at; // the kill done, or the switchover complete (the old primary demoted)
          if (kill) {
            killed = formation.killPrimary();
            at = System.nanoTime(); // the script's last step was the kill
          } else {
            formation.switchover();
            at = System.nanoTime();
          }
          long firstAfter;
          while ((firstAfter = firstSuccessStartedAfter(tally, at)) == Long.MAX_VALUE) {
            assertTrue(System.nanoTime() - at < TimeUnit.SECONDS.toNanos(180), "no action succeeded within 180 s of the fault");
            TimeUnit.MILLISECONDS.sleep(20);
          }
          long outage = firstAfter - at;
          // I3 across the failover: every revocation acknowledged before the fault is refused on the next call
          for (IssuedKey k : revokedBefore) {
            for (EngineInstance e : instances) {
              try {
                e.engine.authenticate(k.key());
                tally.failures.add("key " + k.info().id() + " revoked before the failover authenticates after it");
              } catch (Unauthenticated expected) {
                // I3 holds
              }
            }
          }
          if (kill) {
            formation.awaitHealthy(1);
            formation.restartNode(killed);
          }
          formation.awaitHealthy(2);
          long recovered = System.nanoTime();
          tally.recoveredAt.set(recovered);
          outages.add(String.format(
              "%s %s → %s: first success %.1f s after the %s, longest gap between successes %.1f s",
              kill ? "kill -9" : "switchover", from, formation.primary(), outage / 1e9, kill ? "kill" : "switchover returned",
              longestGap(tally, windowStart, recovered) / 1e9));
          TimeUnit.MILLISECONDS.sleep(LOAD_MILLIS);
        }
      } finally {
        stop.set(1);
        for (Future<?> f : futures) {
          f.get(300, TimeUnit.SECONDS);
        }
        pool.shutdown();
      }

      assertTrue(tally.failures.isEmpty(), () -> String.join("\n", tally.failures));

      // the chain verifies from seq 1 to the head, no fork, no gap
      AuditVerification v = b.engine.audit().verify(admin);
      assertTrue(v.valid(), v.problem().orElse(""));
      long head = b.storage.auditHead().orElseThrow().seq();
      assertEquals(head, v.eventsVerified(), "every event from 1 to the head verified");
      List<AuditEvent> events = new ArrayList<>();
      for (long from = startSeq + 1; ; ) {
        List<AuditEvent> page = a.storage.auditRange(from, 1000);
        if (page.isEmpty()) {
          break;
        }
        for (AuditEvent e : page) {
          assertEquals(from++, e.seq(), "seq is gapless");
          events.add(e);
        }
      }

      // every acknowledged action exactly once; nothing else succeeded except what ended "outcome unknown"
      Map<Ack, Integer> successes = new HashMap<>();
      for (AuditEvent e : events) {
        if (e.outcome() == AuditOutcome.SUCCESS) {
          successes.merge(new Ack(e.action(), e.resource()), 1, Integer::sum);
        }
      }
      int unacknowledged = 0;
      Set<Ack> acked = Set.copyOf(tally.acks);
      assertEquals(tally.acks.size(), acked.size(), "no action was acknowledged twice");
      for (Ack ack : acked) {
        assertEquals(1, successes.getOrDefault(ack, 0), "acknowledged once, in the audit log once: " + ack);
      }
      for (Map.Entry<Ack, Integer> e : successes.entrySet()) {
        assertEquals(1, e.getValue(), "a transition happened twice: " + e.getKey());
        if (!acked.contains(e.getKey())) {
          unacknowledged++;
        }
      }
      assertTrue(unacknowledged <= tally.outcomeUnknown.get(),
          unacknowledged + " successes no caller was told of, but only " + tally.outcomeUnknown.get() + " calls ended outcome-unknown");
      // and in the store: the rows of acknowledged bonds, revoked keys refused, pulses in the history
      for (Ack ack : acked) {
        if (ack.action().equals("bond.created")) {
          assertTrue(a.storage.get(io.spaceduck.storage.Tables.BONDS, ack.resource()).isPresent(), "bond row " + ack.resource());
        }
      }
      for (IssuedKey k : tally.revoked) {
        try {
          a.engine.authenticate(k.key());
          throw new AssertionError("revoked key " + k.info().id() + " authenticates");
        } catch (Unauthenticated expected) {
          // I3
        }
      }
      Map<io.spaceduck.api.AgentId, List<Pulse>> histories = new HashMap<>();
      for (Pulse p : tally.pulses) {
        List<Pulse> h = histories.computeIfAbsent(p.agent(), ag -> a.storage.pulseHistory(ag, 100_000));
        assertEquals(1, h.stream().filter(x -> x.status().equals(p.status())).count(), "acknowledged pulse once: " + p.status());
      }

      Map<String, Long> byAction = new java.util.TreeMap<>();
      acked.forEach(k -> byAction.merge(k.action(), 1L, Long::sum));
      System.out.printf(
          "failover (%d faults): %s; acknowledged %d actions %s and %d pulses, %d denied, %d refused without effect,"
              + " %d unavailable (%d outcome unknown, %d of them applied); %s / %s%n",
          FAULTS, outages, acked.size(), byAction, tally.pulses.size(), tally.denied.get(),
          tally.refused.get(), tally.unavailable.get(), tally.outcomeUnknown.get(), unacknowledged, a.storage.commitStats(),
          b.storage.commitStats());
      tally.unavailableWhy.forEach((why, n) -> System.out.printf("  unavailable %d×: %s%n", n, why));
      assertTrue(acked.size() > 50, "the test did some work");
    }
  }

  private static void act(
      ThreadLocalRandom r, EngineInstance self, EngineInstance other, List<BeakKey> operators, BeakKey t1,
      CopyOnWriteArrayList<Live> agents, CopyOnWriteArrayList<Peck> requested, Tally tally) {
    long started = System.nanoTime();
    int dice = r.nextInt(100);
    try {
      if (dice < 20 || agents.size() < 4) {
        BeakKey op = operators.get(r.nextInt(operators.size()));
        BondResult bond = self.engine.bonds().bond(op, "agent-" + r.nextInt(1_000_000), Tier.T1);
        tally.acks.add(new Ack("bond.created", bond.bond().id().value()));
        agents.add(new Live(op, bond, new CopyOnWriteArrayList<>(List.of(bond.key()))));
      } else if (dice < 35) {
        Live l = agents.get(r.nextInt(agents.size()));
        IssuedKey k = l.keys().get(r.nextInt(l.keys().size()));
        IssuedKey fresh = self.engine.keys().rotate(l.operator(), k.info().id());
        tally.acks.add(new Ack("key.rotated", k.info().id().value()));
        l.keys().add(fresh);
      } else if (dice < 47) {
        Live l = agents.get(r.nextInt(agents.size()));
        IssuedKey k = l.keys().get(r.nextInt(l.keys().size()));
        self.engine.keys().revoke(l.operator(), k.info().id(), ReasonCode.COMPROMISED);
        tally.acks.add(new Ack("key.revoked", k.info().id().value()));
        tally.revoked.add(k);
        expectRefused(other, k, tally);
      } else if (dice < 52) {
        Live l = agents.get(r.nextInt(agents.size()));
        self.engine.bonds().revoke(l.operator(), l.bond().bond().id(), ReasonCode.NO_LONGER_NEEDED);
        tally.acks.add(new Ack("bond.revoked", l.bond().bond().id().value()));
        for (IssuedKey k : l.keys()) {
          tally.revoked.add(k);
          expectRefused(other, k, tally);
        }
      } else if (dice < 64) {
        Live from = agents.get(r.nextInt(agents.size()));
        Live to = agents.get(r.nextInt(agents.size()));
        Peck p = self.engine.pecks().request(from.anyKey(r),
            PeckRequest.of(to.bond().certificate().id(), Set.of("chat:read"), Duration.ofHours(1)));
        tally.acks.add(new Ack("peck.requested", p.id().value()));
        requested.add(p);
      } else if (dice < 72 && !requested.isEmpty()) {
        Object[] open = requested.toArray(); // a snapshot: other threads remove what they accepted
        if (open.length == 0) {
          return;
        }
        Peck p = (Peck) open[r.nextInt(open.length)];
        Live target = agents.stream().filter(l -> l.bond().agent().id().equals(p.target())).findFirst().orElse(null);
        if (target != null) {
          self.engine.pecks().accept(target.anyKey(r), p.id());
          tally.acks.add(new Ack("peck.accepted", p.id().value()));
          requested.remove(p);
        }
      } else if (dice < 76) {
        self.engine.bonds().bond(t1, "not-allowed", Tier.T1);
        tally.failures.add("a T1 duckling bonded an agent");
      } else {
        Live l = agents.get(r.nextInt(agents.size()));
        IssuedKey k = l.keys().get(r.nextInt(l.keys().size()));
        String status = "p" + tally.pulseSeq.incrementAndGet();
        try {
          Pulse p = self.engine.pulses().pulse(k.key(), status);
          tally.pulses.add(p);
        } catch (Unauthenticated revokedOrRotatedAway) {
          tally.refused.incrementAndGet();
          return;
        }
      }
      tally.successes.add(new long[] {started, System.nanoTime()});
    } catch (Forbidden f) {
      tally.denied.incrementAndGet();
    } catch (Unavailable u) {
      tally.unavailable.incrementAndGet();
      if (u.outcomeUnknown()) {
        tally.outcomeUnknown.incrementAndGet();
      }
      String why = String.valueOf(u.getCause() == null ? u.getMessage() : u.getCause().getMessage()).replaceAll("[0-9]+", "N");
      tally.unavailableWhy.merge(why.length() > 160 ? why.substring(0, 160) : why, 1, Integer::sum);
      // only calls that overlap the outage may fail: started after a fault, before the formation recovered
      if (started < tally.faultAt.get() - TimeUnit.SECONDS.toNanos(60) || (started > tally.recoveredAt.get() && tally.recoveredAt.get() > tally.faultAt.get())) {
        tally.failures.add("unavailable outside an outage: " + u.getMessage() + " / " + u.getCause());
      }
    } catch (SpaceDuckException refusedWithoutEffect) { // not found, conflict, already revoked, rotated away …
      tally.refused.incrementAndGet();
    } catch (RuntimeException e) {
      tally.failures.add("unexpected " + e);
    }
  }

  /** When the first call that started at or after {@code at} completed successfully; MAX_VALUE if none yet. */
  private static long firstSuccessStartedAfter(Tally tally, long at) {
    long first = Long.MAX_VALUE;
    for (long[] s : tally.successes) {
      if (s[0] >= at) {
        first = Math.min(first, s[1]);
      }
    }
    return first;
  }

  /** The longest time within [from, to] in which no call completed successfully. */
  private static long longestGap(Tally tally, long from, long to) {
    List<Long> ends = new ArrayList<>();
    for (long[] s : tally.successes) {
      ends.add(s[1]);
    }
    java.util.Collections.sort(ends);
    long prev = from;
    long longest = 0;
    for (long e : ends) {
      if (e <= from) {
        continue;
      }
      if (e > to) {
        break;
      }
      longest = Math.max(longest, e - prev);
      prev = e;
    }
    return Math.max(longest, to - prev);
  }

  /** I3: the other instance refuses a revoked key on its very next call. */
  private static void expectRefused(EngineInstance other, IssuedKey k, Tally tally) {
    try {
      other.engine.authenticate(k.key());
      tally.failures.add("key " + k.info().id() + " still authenticates on the other instance after its revocation was acknowledged");
    } catch (Unauthenticated expected) {
      // I3 holds
    } catch (Unavailable u) {
      tally.unavailable.incrementAndGet(); // the check itself hit the outage: it proves nothing either way
    }
  }
}
