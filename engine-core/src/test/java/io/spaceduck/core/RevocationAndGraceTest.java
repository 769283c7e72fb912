package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** K3 grace boundaries on the injected clock; K4/I3 immediate revocation, across instances and threads. */
class RevocationAndGraceTest {
  private static final Duration DEFAULT_GRACE = Duration.ofMinutes(15);

  /** An operator with one bonded T1 agent. */
  private record Setup(BeakKey admin, BeakKey operator, BondResult agent) {}

  private static Setup setup(TestEngine t) {
    BeakKey admin = t.bootstrap().key().key();
    BeakKey op = t.operator(admin, "Olive");
    return new Setup(admin, op, t.bond(op, "Scout", Tier.T1));
  }

  private static long head(TestEngine t) {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  private static KeyInfo info(TestEngine t, BeakKey caller, BondResult agent, io.spaceduck.api.KeyId id) {
    return t.engine.keys().list(caller, agent.agent().id()).stream()
        .filter(k -> k.id().equals(id))
        .findFirst()
        .orElseThrow();
  }

  // ------------------------------------------------------------------ K3 grace

  @Test
  @Tag("K3")
  void rotation_oldKeyWorksUntilGraceEnds_thenNeverAgain() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      BeakKey old = s.agent().key().key();
      t.clock.advance(Duration.ofSeconds(7).plusNanos(123_456_789)); // an instant with nanos
      Instant rotatedAt = t.clock.instant();
      IssuedKey fresh = t.engine.keys().rotate(s.operator(), s.agent().key().info().id());
      Instant graceUntil = rotatedAt.plus(DEFAULT_GRACE);
      assertEquals(graceUntil, info(t, s.operator(), s.agent(), s.agent().key().info().id()).graceUntil().orElseThrow());

      t.clock.set(graceUntil.minusNanos(1));
      assertEquals(s.agent().agent().id(), t.engine.authenticate(old).id());
      assertEquals(KeyStatus.GRACE, info(t, s.operator(), s.agent(), s.agent().key().info().id()).statusAt(t.clock.instant()));

      t.clock.set(graceUntil);
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(old));
      t.clock.advance(Duration.ofDays(3));
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(old));
      assertEquals(s.agent().agent().id(), t.engine.authenticate(fresh.key()).id());
    }
  }

  @Test
  @Tag("K3")
  void selfRotation_ofADucklingKey_honoursTheSameBoundary() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      var duck = t.hatch("Dora");
      Instant rotatedAt = t.clock.instant();
      IssuedKey fresh = t.engine.keys().rotate(duck.key().key(), duck.key().info().id());
      t.clock.set(rotatedAt.plus(DEFAULT_GRACE).minusNanos(1));
      assertEquals(duck.duckling().id(), t.engine.authenticate(duck.key().key()).id());
      t.clock.set(rotatedAt.plus(DEFAULT_GRACE));
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(duck.key().key()));
      assertEquals(duck.duckling().id(), t.engine.authenticate(fresh.key()).id());
      assertTrue(t.engine.audit().verify(s.admin()).valid());
    }
  }

  @Test
  @Tag("K3")
  void zeroGrace_oldKeyFailsImmediately() {
    try (TestEngine t = new TestEngine(b -> b.keyRotationGrace(Duration.ZERO))) {
      Setup s = setup(t);
      IssuedKey fresh = t.engine.keys().rotate(s.operator(), s.agent().key().info().id());
      // the clock has not moved at all
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(s.agent().key().key()));
      assertEquals(s.agent().agent().id(), t.engine.authenticate(fresh.key()).id());
      assertEquals(t.clock.instant(), info(t, s.operator(), s.agent(), s.agent().key().info().id()).graceUntil().orElseThrow());
    }
  }

  @Test
  @Tag("K3")
  void customGrace_isHonoured() {
    Duration grace = Duration.ofSeconds(90);
    try (TestEngine t = new TestEngine(b -> b.keyRotationGrace(grace))) {
      Setup s = setup(t);
      t.clock.advance(Duration.ofMillis(1_234));
      Instant rotatedAt = t.clock.instant();
      t.engine.keys().rotate(s.operator(), s.agent().key().info().id());
      assertEquals(rotatedAt.plus(grace), info(t, s.operator(), s.agent(), s.agent().key().info().id()).graceUntil().orElseThrow());
      t.clock.set(rotatedAt.plus(grace).minusNanos(1));
      t.engine.authenticate(s.agent().key().key());
      t.clock.set(rotatedAt.plus(grace));
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(s.agent().key().key()));
      // the default (15 min) is not what applies
      t.clock.set(rotatedAt.plus(Duration.ofMinutes(10)));
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(s.agent().key().key()));
    }
  }

  // ------------------------------------------------------------------ K4 / I3 revocation

  @Test
  @Tag("K4")
  @Tag("I3")
  void revokedKey_failsOnNextAuthenticateAndNextGovernanceCall() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      assertEquals(Tier.T2, t.engine.authenticate(s.operator()).tier());
      var opKey = t.engine.authenticate(s.operator()).keyId();
      t.engine.keys().revoke(s.admin(), opKey, ReasonCode.COMPROMISED);

      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(s.operator()));
      long head = head(t);
      assertThrows(Unauthenticated.class, () -> t.bond(s.operator(), "Late", Tier.T0));
      assertThrows(Unauthenticated.class, () -> t.engine.keys().rotate(s.operator(), s.agent().key().info().id()));
      assertThrows(Unauthenticated.class, () -> t.engine.bonds().list(s.operator()));
      assertEquals(head, head(t), "an unauthenticated call is never audited and changes nothing");
      // the clock moving on does not resurrect it
      t.clock.advance(Duration.ofDays(365));
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(s.operator()));

      AuditEvent revoked = t.engine.audit().read(s.admin(), AuditQuery.all().withAction(AuditAction.KEY_REVOKED.code()))
          .events().get(0);
      assertEquals(opKey.value(), revoked.resource());
      assertEquals(ReasonCode.COMPROMISED, revoked.reason(), "K4: every revocation carries a reason code");
    }
  }

  @Test
  @Tag("K4")
  @Tag("I3")
  void revokingAKeyInGrace_endsTheGraceAtOnce() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      t.engine.keys().rotate(s.operator(), s.agent().key().info().id());
      t.engine.authenticate(s.agent().key().key()); // in grace
      t.engine.keys().revoke(s.operator(), s.agent().key().info().id(), ReasonCode.COMPROMISED);
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(s.agent().key().key()));
    }
  }

  @Test
  @Tag("K4")
  @Tag("B2")
  @Tag("I3")
  void revokingABond_revokesAllItsKeys_includingOneInGrace() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      BeakKey first = s.agent().key().key();
      IssuedKey second = t.engine.keys().rotate(s.operator(), s.agent().key().info().id()); // first now in grace
      IssuedKey third = t.engine.keys().replace(s.admin(), second.info().id(), ReasonCode.COMPROMISED);
      IssuedKey fourth = t.engine.keys().rotate(third.key(), third.info().id()); // third in grace, self-rotated
      for (BeakKey k : List.of(first, third.key(), fourth.key())) {
        assertEquals(s.agent().agent().id(), t.engine.authenticate(k).id());
      }

      Bond revoked = t.engine.bonds().revoke(s.operator(), s.agent().bond().id(), ReasonCode.NO_LONGER_NEEDED);
      assertEquals(BondStatus.REVOKED, revoked.status());

      for (BeakKey k : List.of(first, second.key(), third.key(), fourth.key())) {
        assertThrows(Unauthenticated.class, () -> t.engine.authenticate(k));
      }
      List<KeyInfo> keys = t.engine.keys().list(s.admin(), s.agent().agent().id());
      assertEquals(4, keys.size());
      assertTrue(keys.stream().allMatch(k -> k.statusAt(t.clock.instant()) == KeyStatus.REVOKED), keys.toString());
      // nothing issues a working key for the revoked bond again
      assertThrows(Conflict.class, () -> t.engine.keys().replace(s.admin(), fourth.info().id(), ReasonCode.COMPROMISED));
      assertThrows(Conflict.class, () -> t.engine.bonds().revoke(s.admin(), s.agent().bond().id(), ReasonCode.NONE));
      assertTrue(t.engine.audit().verify(s.admin()).valid());
    }
  }

  @Test
  @Tag("B2")
  @Tag("I4")
  @Tag("I6")
  void revokedBondsAgent_cannotBePromoted_andGetsNoNewCertificate() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      var agent = s.agent().agent().id();
      t.engine.bonds().revoke(s.operator(), s.agent().bond().id(), ReasonCode.NO_LONGER_NEEDED);
      long head = head(t);
      assertThrows(Conflict.class, () -> t.engine.identities().promote(s.operator(), agent, Tier.T2));
      assertThrows(Conflict.class, () -> t.engine.identities().promote(s.admin(), agent, Tier.T2));
      assertEquals(head, head(t), "a Conflict appends nothing");
      assertEquals(1, t.engine.certificates().history(s.admin(), agent).size(), "no certificate after the revocation");
      assertEquals(Tier.T1, t.engine.identities().get(s.admin(), agent).tier());
    }
  }

  @Test
  @Tag("K4")
  @Tag("I3")
  void revocationThroughOneInstance_isSeenByAnotherSharingTheStore() {
    InMemoryStorage store = new InMemoryStorage();
    KekSource kek = TestEngine.newKek();
    try (TestEngine a = new TestEngine(store, kek, b -> {});
        TestEngine b = new TestEngine(store, kek, x -> {})) {
      Setup s = setup(a);
      // B authenticates everything A created (warms anything B might cache)
      assertEquals(Tier.T2, b.engine.authenticate(s.operator()).tier());
      assertEquals(s.agent().agent().id(), b.engine.authenticate(s.agent().key().key()).id());
      BondResult second = b.bond(s.operator(), "Second", Tier.T0);
      assertEquals(second.agent().id(), a.engine.authenticate(second.key().key()).id());

      // revoke a key through A: B's very next call fails
      a.engine.keys().revoke(s.operator(), s.agent().key().info().id(), ReasonCode.COMPROMISED);
      assertThrows(Unauthenticated.class, () -> b.engine.authenticate(s.agent().key().key()));
      assertThrows(Unauthenticated.class,
          () -> b.engine.keys().rotate(s.agent().key().key(), s.agent().key().info().id()));

      // revoke a bond through B: A's very next call fails
      b.engine.bonds().revoke(s.admin(), second.bond().id(), ReasonCode.POLICY_VIOLATION);
      assertThrows(Unauthenticated.class, () -> a.engine.authenticate(second.key().key()));

      // revoke the operator's own key through A: B refuses the operator's next governance call
      var opKey = b.engine.authenticate(s.operator()).keyId();
      a.engine.keys().revoke(s.operator(), opKey, ReasonCode.OPERATOR_REQUEST);
      assertThrows(Unauthenticated.class, () -> b.bond(s.operator(), "Third", Tier.T0));
      assertTrue(b.engine.audit().verify(s.admin()).valid());
    }
  }

  // ------------------------------------------------------------------ K4 / I3 under threads

  @Test
  @Tag("K4")
  @Tag("I3")
  @Tag("I4")
  void concurrentActionsWithAKeyBeingRevoked_noSuccessAfterTheRevocation() throws Exception {
    for (int round = 0; round < 5; round++) {
      raceActionsAgainstRevocation(4);
    }
  }

  private static void record(
      AtomicInteger successes, AtomicInteger startedAfterRevocation, CountDownLatch warmedUp, boolean afterRevocation) {
    successes.incrementAndGet();
    if (afterRevocation) {
      startedAfterRevocation.incrementAndGet();
    }
    warmedUp.countDown();
  }

  private static void raceActionsAgainstRevocation(int threads) throws Exception {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey op = t.operator(admin, "Olive");
      var opId = t.engine.authenticate(op).id();
      var opKeyId = t.engine.authenticate(op).keyId();
      BondResult pet = t.bond(op, "Pet", Tier.T1);

      AtomicInteger successes = new AtomicInteger();
      AtomicBoolean revocationReturned = new AtomicBoolean();
      AtomicInteger successesStartedAfterRevocation = new AtomicInteger();
      CountDownLatch warmedUp = new CountDownLatch(threads * 3);
      ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
      try {
        List<Future<Integer>> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          int n = i;
          workers.add(pool.submit(() -> {
            int mine = 0;
            for (int j = 0; j < 10_000; j++) {
              try {
                boolean afterRevocation = revocationReturned.get();
                BondResult b = t.bond(op, "Agent" + n, Tier.T0);
                mine++;
                record(successes, successesStartedAfterRevocation, warmedUp, afterRevocation);
                if ((n + j) % 2 == 1) {
                  afterRevocation = revocationReturned.get();
                  t.engine.keys().rotate(op, b.key().info().id());
                  mine++;
                  record(successes, successesStartedAfterRevocation, warmedUp, afterRevocation);
                }
              } catch (Unauthenticated expected) {
                return mine;
              } catch (Conflict retriesExhausted) {
                // nothing applied; try again
              }
            }
            throw new AssertionError("the revoked key kept working");
          }));
        }
        Future<KeyInfo> revoker = pool.submit(() -> {
          assertTrue(warmedUp.await(30, TimeUnit.SECONDS));
          KeyInfo r = t.engine.keys().revoke(admin, opKeyId, ReasonCode.COMPROMISED);
          revocationReturned.set(true);
          return r;
        });
        revoker.get(60, TimeUnit.SECONDS);
        int total = 0;
        for (Future<Integer> w : workers) {
          total += w.get(60, TimeUnit.SECONDS);
        }
        assertEquals(successes.get(), total);
      } finally {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
      }
      assertEquals(0, successesStartedAfterRevocation.get(), "K4: a call begun after the revocation succeeded");
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(op));
      assertEquals(pet.agent().id(), t.engine.authenticate(pet.key().key()).id(), "only the operator's key was revoked");

      List<AuditEvent> events = new ArrayList<>();
      AuditQuery q = AuditQuery.all().limit(AuditQuery.MAX_LIMIT);
      while (true) {
        var page = t.engine.audit().read(admin, q);
        events.addAll(page.events());
        if (page.nextAfterSeq().isEmpty()) {
          break;
        }
        q = q.after(page.nextAfterSeq().getAsLong());
      }
      List<AuditEvent> revocations = events.stream()
          .filter(e -> e.action().equals(AuditAction.KEY_REVOKED.code()) && e.resource().equals(opKeyId.value()))
          .toList();
      assertEquals(1, revocations.size());
      long revokedAt = revocations.get(0).seq();
      List<AuditEvent> byOperator = events.stream()
          .filter(e -> e.actor().equals(opId.value()) && e.outcome() == AuditOutcome.SUCCESS)
          .toList();
      assertEquals(successes.get() + 2, byOperator.size(), "I4: one event per success (plus the setup hatch and bond)");
      for (AuditEvent e : byOperator) {
        assertTrue(e.seq() < revokedAt, "I3: success by the revoked key at seq " + e.seq() + " after " + revokedAt);
      }
      assertTrue(t.engine.audit().verify(admin).valid());
    }
  }
}
