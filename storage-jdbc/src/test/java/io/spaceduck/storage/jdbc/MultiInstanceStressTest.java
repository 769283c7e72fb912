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
import io.spaceduck.api.KeyId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.Unavailable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two engine instances × four threads of random governance actions on one PostgreSQL database for
 * {@code spaceduck.jdbc.stress.seconds} (30 in CI, 300 with {@code -Pstress}). Afterwards the chain
 * verifies, {@code seq} is gapless, no transition happened twice, every acknowledged action left
 * exactly one event (successes as success, policy refusals as denied) and nothing else left any, and
 * every acknowledged revocation was refused on the other instance's very next call.
 */
class MultiInstanceStressTest {
  @TempDir Path dir;

  /** What one thread saw. */
  private static final class Tally {
    final AtomicLong succeeded = new AtomicLong();
    final AtomicLong denied = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong unavailable = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  }

  private record Live(BeakKey operator, BondResult bond, List<IssuedKey> keys) {}

  @Test
  @Tag("I3")
  @Tag("I4")
  @Tag("A5")
  void twoInstancesFourThreadsEach() throws Exception {
    long seconds = Long.getLong("spaceduck.jdbc.stress.seconds", 30);
    TestDatabase.Namespace ns = TestDatabase.POSTGRES.fresh();
    var mailbox = EngineInstance.mailbox();
    try (EngineInstance a = new EngineInstance(ns.url(), dir.resolve("kek.json"), mailbox);
        EngineInstance b = new EngineInstance(ns.url(), dir.resolve("kek.json"), mailbox)) {
      EngineInstance[] instances = {a, b};
      BeakKey admin = a.bootstrap().key().key();
      List<BeakKey> operators = List.of(a.operator(admin, "Olive"), b.operator(admin, "Oscar"), a.operator(admin, "Opal"));
      BeakKey t1 = b.hatch("Tina").key().key();
      CopyOnWriteArrayList<Live> agents = new CopyOnWriteArrayList<>();
      long startSeq = a.storage.auditHead().orElseThrow().seq();
      Tally tally = new Tally();

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        EngineInstance self = instances[t % 2];
        EngineInstance other = instances[(t + 1) % 2];
        futures.add(pool.submit(() -> {
          ThreadLocalRandom r = ThreadLocalRandom.current();
          while (System.nanoTime() < deadline) {
            act(r, self, other, operators, t1, agents, tally);
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get(seconds + 120, TimeUnit.SECONDS);
      }
      pool.shutdown();

      assertTrue(tally.failures.isEmpty(), () -> String.join("\n", tally.failures));
      assertEquals(0, tally.unavailable.get(), "no action may fail for want of the store");

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
      long successes = events.stream().filter(e -> e.outcome() == AuditOutcome.SUCCESS).count();
      long denials = events.stream().filter(e -> e.outcome() == AuditOutcome.DENIED).count();
      assertEquals(tally.succeeded.get(), successes, "one success event per acknowledged action");
      assertEquals(tally.denied.get(), denials, "one denied event per refused attempt");

      Map<String, Integer> transitions = new HashMap<>();
      for (AuditEvent e : events) {
        if (e.outcome() == AuditOutcome.SUCCESS
            && (e.action().equals("key.revoked") || e.action().equals("key.rotated") || e.action().equals("bond.revoked"))) {
          transitions.merge(e.action() + " " + e.resource(), 1, Integer::sum);
        }
      }
      transitions.forEach((k, n) -> assertEquals(1, n, "transition happened twice: " + k));
      System.out.printf(
          "stress: %d s, %d acknowledged (%d success, %d denied), %d refused without effect, %s, %s%n",
          seconds, tally.succeeded.get() + tally.denied.get(), tally.succeeded.get(), tally.denied.get(), tally.refused.get(),
          a.storage.commitStats(), b.storage.commitStats());
      assertTrue(tally.succeeded.get() > 50, "the test did some work");
    } finally {
      TestDatabase.POSTGRES.drop(ns);
    }
  }

  private static void act(
      ThreadLocalRandom r, EngineInstance self, EngineInstance other, List<BeakKey> operators, BeakKey t1,
      CopyOnWriteArrayList<Live> agents, Tally tally) {
    int dice = r.nextInt(100);
    try {
      if (dice < 30 || agents.size() < 4) {
        BeakKey op = operators.get(r.nextInt(operators.size()));
        BondResult bond = self.engine.bonds().bond(op, "agent-" + r.nextInt(1_000_000), Tier.T1);
        tally.succeeded.incrementAndGet();
        agents.add(new Live(op, bond, new CopyOnWriteArrayList<>(List.of(bond.key()))));
      } else if (dice < 55) {
        Live l = agents.get(r.nextInt(agents.size()));
        IssuedKey k = l.keys().get(r.nextInt(l.keys().size()));
        IssuedKey fresh = self.engine.keys().rotate(l.operator(), k.info().id());
        tally.succeeded.incrementAndGet();
        l.keys().add(fresh);
      } else if (dice < 75) {
        Live l = agents.get(r.nextInt(agents.size()));
        IssuedKey k = l.keys().get(r.nextInt(l.keys().size()));
        self.engine.keys().revoke(l.operator(), k.info().id(), ReasonCode.COMPROMISED);
        tally.succeeded.incrementAndGet();
        expectRefused(other, k.key(), k.info().id(), tally);
      } else if (dice < 85) {
        Live l = agents.get(r.nextInt(agents.size()));
        self.engine.bonds().revoke(l.operator(), l.bond().bond().id(), ReasonCode.NO_LONGER_NEEDED);
        tally.succeeded.incrementAndGet();
        for (IssuedKey k : l.keys()) {
          expectRefused(other, k.key(), k.info().id(), tally);
        }
      } else if (dice < 92) {
        self.engine.bonds().bond(t1, "not-allowed", Tier.T1);
        tally.failures.add("a T1 duckling bonded an agent");
      } else {
        Live l = agents.get(r.nextInt(agents.size()));
        IssuedKey k = l.keys().get(r.nextInt(l.keys().size()));
        try {
          self.engine.pulses().pulse(k.key(), "ok");
        } catch (Unauthenticated revokedOrRotatedAway) {
          // fine: not a governance action, not audited
        }
      }
    } catch (Forbidden f) {
      tally.denied.incrementAndGet();
    } catch (Unavailable u) {
      tally.unavailable.incrementAndGet();
      tally.failures.add("unavailable: " + u.getMessage());
    } catch (SpaceDuckException refusedWithoutEffect) { // not found, conflict, already revoked …
      tally.refused.incrementAndGet();
    }
  }

  /** I3: the other instance refuses a revoked key on its very next call. */
  private static void expectRefused(EngineInstance other, BeakKey key, KeyId id, Tally tally) {
    try {
      other.engine.authenticate(key);
      tally.failures.add("key " + id + " still authenticates on the other instance after its revocation was acknowledged");
    } catch (Unauthenticated expected) {
      // I3 holds
    }
  }
}
