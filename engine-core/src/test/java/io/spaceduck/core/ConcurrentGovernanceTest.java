package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Email;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A5/I4 under threads and several engine instances sharing one store. */
class ConcurrentGovernanceTest {
  private static final int THREADS = 6;
  private static final int ACTIONS_PER_THREAD = 30;

  // ------------------------------------------------------------------ random governance, many threads

  @Test
  @Tag("A5")
  @Tag("I4")
  @Tag("I5")
  void manyThreadsOnOneEngine_chainIsGaplessVerifiesAndCountsEveryOutcome() throws Exception {
    randomGovernance(1);
  }

  @Test
  @Tag("A5")
  @Tag("I4")
  @Tag("I5")
  void manyThreadsOnTwoEnginesSharingAStore_chainIsGaplessVerifiesAndCountsEveryOutcome() throws Exception {
    randomGovernance(2);
  }

  /** What one thread saw. */
  private record Tally(IdentityId actor, int successes, int denied, int otherRefusals) {}

  /** The agents of one operator thread, visible to the others (for cross-operator attempts). */
  private record OwnAgent(BondId bond, IdentityId agent, KeyId activeKey, Tier tier, boolean revoked) {}

  private static void randomGovernance(int engines) throws Exception {
    InMemoryStorage store = new InMemoryStorage();
    KekSource kek = TestEngine.newKek();
    List<TestEngine> instances = new ArrayList<>();
    try {
      for (int i = 0; i < engines; i++) {
        instances.add(new TestEngine(store, kek, b -> {}));
      }
      TestEngine first = instances.get(0);
      BeakKey admin = first.bootstrap().key().key();
      List<BeakKey> operators = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        operators.add(first.operator(admin, "Operator " + i));
      }
      long setupEvents = head(first);
      Map<Integer, List<OwnAgent>> agentsByThread = new ConcurrentHashMap<>();

      List<Callable<Tally>> work = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        int n = i;
        SpaceDuck engine = instances.get(i % engines).engine;
        work.add(() -> runOperator(n, engine, operators.get(n), agentsByThread));
      }
      List<Tally> tallies = runAll(work);

      List<AuditEvent> events = allEvents(first.engine, admin);
      for (int i = 0; i < events.size(); i++) {
        assertEquals(i + 1, events.get(i).seq(), "A5: seq is gapless and unique");
        if (i > 0) {
          assertEquals(events.get(i - 1).hash(), events.get(i).prevHash(), "A5: no fork");
        }
      }
      assertEquals(events.size(), new HashSet<>(events.stream().map(AuditEvent::hash).toList()).size());
      long successes = tallies.stream().mapToLong(Tally::successes).sum();
      long denied = tallies.stream().mapToLong(Tally::denied).sum();
      assertTrue(successes > THREADS && denied > 0, "the run exercised both paths: " + tallies);
      assertEquals(setupEvents + successes + denied, events.size(),
          "I4: one event per successful action and per denial, none for other refusals: " + tallies);
      for (Tally tally : tallies) {
        List<AuditEvent> mine =
            events.stream().filter(e -> e.seq() > setupEvents && e.actor().equals(tally.actor().value())).toList();
        assertEquals(tally.successes(), mine.stream().filter(e -> e.outcome() == AuditOutcome.SUCCESS).count(), tally.toString());
        assertEquals(tally.denied(), mine.stream().filter(e -> e.outcome() == AuditOutcome.DENIED).count(), tally.toString());
      }
      for (TestEngine t : instances) {
        AuditVerification v = t.engine.audit().verify(admin);
        assertTrue(v.valid(), v.toString());
        assertEquals(events.size(), v.eventsVerified());
        assertEquals(events.get(events.size() - 1).head(), v.head().orElseThrow());
      }
    } finally {
      instances.forEach(TestEngine::close);
    }
  }

  private static Tally runOperator(int n, SpaceDuck engine, BeakKey op, Map<Integer, List<OwnAgent>> agentsByThread) {
    Random random = new Random(4242L + n);
    IdentityId me = engine.authenticate(op).id();
    List<OwnAgent> mine = new ArrayList<>();
    agentsByThread.put(n, java.util.Collections.synchronizedList(new ArrayList<>()));
    int successes = 0;
    int denied = 0;
    int other = 0;
    for (int a = 0; a < ACTIONS_PER_THREAD; a++) {
      List<OwnAgent> active = mine.stream().filter(x -> !x.revoked()).toList();
      int choice = random.nextInt(8);
      try {
        switch (choice) {
          case 0, 1 -> {
            Tier tier = Tier.values()[random.nextInt(3)];
            BondResult r = engine.bonds().bond(op, "Agent " + n + "." + a, tier);
            OwnAgent o = new OwnAgent(r.bond().id(), r.agent().id(), r.key().info().id(), tier, false);
            mine.add(o);
            agentsByThread.get(n).add(o);
          }
          case 2 -> {
            if (active.isEmpty()) {
              continue;
            }
            OwnAgent o = active.get(random.nextInt(active.size()));
            KeyId fresh = engine.keys().rotate(op, o.activeKey()).info().id();
            mine.set(mine.indexOf(o), new OwnAgent(o.bond(), o.agent(), fresh, o.tier(), false));
          }
          case 3 -> {
            if (active.isEmpty()) {
              continue;
            }
            OwnAgent o = active.get(random.nextInt(active.size()));
            engine.bonds().revoke(op, o.bond(), ReasonCode.NO_LONGER_NEEDED);
            mine.set(mine.indexOf(o), new OwnAgent(o.bond(), o.agent(), o.activeKey(), o.tier(), true));
          }
          case 4 -> {
            OwnAgent o = active.stream().filter(x -> x.tier() != Tier.T2).findFirst().orElse(null);
            if (o == null) {
              continue;
            }
            Tier next = Tier.values()[o.tier().ordinal() + 1];
            engine.identities().promote(op, o.agent(), next);
            mine.set(mine.indexOf(o), new OwnAgent(o.bond(), o.agent(), o.activeKey(), next, false));
          }
          case 5 -> engine.bonds().bond(op, "Mighty " + n, Tier.T3); // I7: Forbidden while the flag is off
          case 6 -> {
            // another operator's agent: not governed (B3), Forbidden
            List<OwnAgent> theirs = agentsByThread.get((n + 1) % THREADS);
            OwnAgent victim = theirs == null || theirs.isEmpty() ? null : theirs.get(0);
            if (victim == null) {
              engine.identities().promote(op, me, Tier.T2); // self-promotion (I2): Forbidden
            } else {
              engine.keys().rotate(op, victim.activeKey());
            }
          }
          default -> {
            // a refusal that is not a denial: revoking a revoked bond (Conflict), or a bad name
            OwnAgent revoked = mine.stream().filter(OwnAgent::revoked).findFirst().orElse(null);
            if (revoked != null) {
              engine.bonds().revoke(op, revoked.bond(), ReasonCode.NONE);
            } else {
              engine.bonds().bond(op, " ", Tier.T0);
            }
          }
        }
        successes++;
      } catch (Forbidden e) {
        denied++;
      } catch (Conflict | InvalidInput | NotFound e) {
        other++;
      }
    }
    return new Tally(me, successes, denied, other);
  }

  // ------------------------------------------------------------------ racing revocations

  @Test
  @Tag("A5")
  @Tag("I4")
  @Tag("B2")
  void twoThreadsRevokingTheSameBond_exactlyOneWins_andOneEventIsAudited() throws Exception {
    InMemoryStorage store = new InMemoryStorage();
    KekSource kek = TestEngine.newKek();
    try (TestEngine a = new TestEngine(store, kek, x -> {});
        TestEngine b = new TestEngine(store, kek, x -> {})) {
      BeakKey admin = a.bootstrap().key().key();
      BeakKey op = a.operator(admin, "Olive");
      for (int round = 0; round < 20; round++) {
        BondId bond = a.bond(op, "Contested " + round, Tier.T1).bond().id();
        // even rounds: one engine, the operator twice; odd rounds: two instances, operator and admin
        SpaceDuck second = round % 2 == 0 ? a.engine : b.engine;
        BeakKey secondKey = round % 2 == 0 ? op : admin;
        CyclicBarrier start = new CyclicBarrier(2);
        List<Callable<Object>> racers = List.of(
            () -> attempt(start, () -> a.engine.bonds().revoke(op, bond, ReasonCode.COMPROMISED)),
            () -> attempt(start, () -> second.bonds().revoke(secondKey, bond, ReasonCode.POLICY_VIOLATION)));
        List<Object> results = runAll(racers);
        long wins = results.stream().filter(r -> r instanceof Bond).count();
        assertEquals(1, wins, "round " + round + ": " + results);
        assertEquals(1, results.stream().filter(r -> r instanceof Conflict).count(), "round " + round + ": " + results);

        List<AuditEvent> revocations = a.engine.audit()
            .read(admin, AuditQuery.all().withAction(AuditAction.BOND_REVOKED.code()).withResource(bond.value()))
            .events();
        assertEquals(1, revocations.size(), "I4: exactly one bond.revoked event");
        assertEquals(AuditOutcome.SUCCESS, revocations.get(0).outcome());
      }
      assertTrue(b.engine.audit().verify(admin).valid());
    }
  }

  // ------------------------------------------------------------------ racing promotions

  @Test
  @Tag("I6")
  @Tag("I4")
  @Tag("C3")
  void racingPromotionsOfOneAgent_leaveOneLinearCertificateChain() throws Exception {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey op = t.operator(admin, "Olive");
      for (int round = 0; round < 10; round++) {
        BondResult agent = t.bond(op, "Climber " + round, Tier.T0);
        CyclicBarrier start = new CyclicBarrier(2);
        List<Object> results = runAll(List.<Callable<Object>>of(
            () -> attemptPromotion(start, () -> t.engine.identities().promote(op, agent.agent().id(), Tier.T1)),
            () -> attemptPromotion(start, () -> t.engine.identities().promote(admin, agent.agent().id(), Tier.T2))));
        long wins = results.stream().filter(r -> r instanceof io.spaceduck.api.BirthCertificate).count();
        assertTrue(wins >= 1, "round " + round + ": " + results);

        var history = t.engine.certificates().history(admin, agent.agent().id());
        assertEquals(1 + wins, history.size(), "C3: one certificate per successful promotion: " + results);
        assertEquals(1, history.stream().filter(v -> v.status() == io.spaceduck.api.CertStatus.CURRENT).count());
        for (int i = 1; i < history.size(); i++) {
          assertEquals(java.util.Optional.of(history.get(i - 1).certificate().id()), history.get(i).certificate().supersedes(),
              "I6: a linear supersedes chain");
        }
        var current = t.engine.identities().get(admin, agent.agent().id());
        assertEquals(history.get(history.size() - 1).certificate().id(), current.currentCert());
        assertEquals(history.get(history.size() - 1).certificate().tier(), current.tier());
        long events = t.engine.audit()
            .read(admin, AuditQuery.all().withAction(AuditAction.TIER_PROMOTED.code()).withResource(agent.agent().id().value()))
            .events().size();
        assertEquals(wins, events, "I4: one event per successful promotion");
      }
      assertTrue(t.engine.audit().verify(admin).valid());
    }
  }

  private static Object attemptPromotion(CyclicBarrier start, Callable<?> call) throws Exception {
    start.await(30, TimeUnit.SECONDS);
    try {
      return call.call();
    } catch (InvalidInput | Conflict lostTheRace) {
      return lostTheRace; // the winner already raised the tier to (or past) the requested one
    }
  }

  // ------------------------------------------------------------------ racing bootstraps

  @Test
  @Tag("A5")
  @Tag("I4")
  void twoEnginesBootstrappingAFreshStoreAtOnce_exactlyOneSucceeds() throws Exception {
    for (int round = 0; round < 10; round++) {
      InMemoryStorage store = new InMemoryStorage();
      KekSource kek = TestEngine.newKek();
      try (TestEngine a = new TestEngine(store, kek, x -> {});
          TestEngine b = new TestEngine(store, kek, x -> {})) {
        CyclicBarrier start = new CyclicBarrier(2);
        List<Object> results = runAll(List.of(
            () -> attempt(start, () -> a.engine.admin().bootstrap("Admin A", Email.of(TestEngine.uniqueEmail()))),
            () -> attempt(start, () -> b.engine.admin().bootstrap("Admin B", Email.of(TestEngine.uniqueEmail())))));
        List<HatchResult> winners =
            results.stream().filter(r -> r instanceof HatchResult).map(r -> (HatchResult) r).toList();
        assertEquals(1, winners.size(), "round " + round + ": " + results);
        assertEquals(1, results.stream().filter(r -> r instanceof Rejected).count(), "round " + round + ": " + results);

        BeakKey admin = winners.get(0).key().key();
        assertEquals(winners.get(0).duckling().id(), a.engine.authenticate(admin).id());
        assertEquals(winners.get(0).duckling().id(), b.engine.authenticate(admin).id());
        List<AuditEvent> events = allEvents(b.engine, admin);
        assertEquals(1, events.size(), "I4: one bootstrap, one event: " + events);
        assertEquals(AuditAction.ADMIN_BOOTSTRAPPED.code(), events.get(0).action());
        assertTrue(a.engine.audit().verify(admin).valid());
        assertThrows(Rejected.class, () -> a.bootstrap());
        assertEquals(1, head(a), "a refused bootstrap appends nothing");
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Waits for the other racer, then runs {@code call}; returns its result or its refusal. */
  private static Object attempt(CyclicBarrier start, Callable<?> call) throws Exception {
    start.await(30, TimeUnit.SECONDS);
    try {
      return call.call();
    } catch (Conflict | Rejected refused) {
      return refused;
    }
  }

  private static <T> List<T> runAll(List<? extends Callable<T>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> c : tasks) {
        futures.add(pool.submit(c));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        try {
          out.add(f.get(60, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Error err) {
            throw err;
          }
          fail("a worker failed", e.getCause());
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }
  }

  private static long head(TestEngine t) {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  private static List<AuditEvent> allEvents(SpaceDuck engine, BeakKey admin) {
    List<AuditEvent> all = new ArrayList<>();
    AuditQuery q = AuditQuery.all().limit(AuditQuery.MAX_LIMIT);
    while (true) {
      var page = engine.audit().read(admin, q);
      all.addAll(page.events());
      if (page.nextAfterSeq().isEmpty()) {
        return all;
      }
      q = q.after(page.nextAfterSeq().getAsLong());
    }
  }
}
