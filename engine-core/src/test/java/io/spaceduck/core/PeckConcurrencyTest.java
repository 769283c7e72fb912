package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.core.PeckFixture.Ag;
import io.spaceduck.core.PeckFixture.Op;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Transitions of one peck raced from many threads: compare-and-set means exactly one transition out
 * of a state wins and is audited exactly once; the losers get {@link Conflict} (or {@link
 * Unauthenticated} when their key went with a revocation). And a revocation is seen by the very next
 * {@code verifySession}, whatever the threads in flight are doing (P5, I3).
 */
class PeckConcurrencyTest {
  private static final int ROUNDS = 25;
  private static final Set<String> TRANSITIONS =
      Set.of("peck.accepted", "peck.declined", "peck.approved", "peck.rejected", "peck.closed", "peck.expired");

  private final ExecutorService pool = Executors.newFixedThreadPool(8);

  @AfterEach
  void shutdown() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "racers finished");
  }

  /** What one racer got: a success (with the call's label) or a refusal type. */
  record Outcome(String label, boolean won, Class<? extends SpaceDuckException> refusal) {
    @Override
    public String toString() {
      return label + (won ? " WON" : refusal == null ? " no-op" : " " + refusal.getSimpleName());
    }
  }

  /** A named racer; an {@code expireDue} racer wins when it expired something. */
  record Racer(String label, Callable<?> call) {}

  static Racer racer(String label, Callable<?> call) {
    return new Racer(label, call);
  }

  /** Starts every racer at once (a barrier) and waits, bounded, for all of them. */
  private List<Outcome> race(List<Racer> racers) throws Exception {
    CyclicBarrier start = new CyclicBarrier(racers.size());
    List<Future<Outcome>> futures = new ArrayList<>();
    for (Racer r : racers) {
      futures.add(pool.submit(() -> {
        start.await(10, TimeUnit.SECONDS);
        try {
          Object result = r.call().call();
          boolean won = !(result instanceof Integer n) || n > 0;
          return new Outcome(r.label(), won, null);
        } catch (SpaceDuckException e) {
          return new Outcome(r.label(), false, e.getClass());
        }
      }));
    }
    List<Outcome> out = new ArrayList<>();
    for (Future<Outcome> f : futures) {
      out.add(f.get(30, TimeUnit.SECONDS));
    }
    return out;
  }

  /** The peck's transition events appended since {@code head}. */
  private static List<AuditEvent> transitions(PeckFixture f, long head, Peck p) {
    List<AuditEvent> events = f.since(head);
    for (AuditEvent e : events) {
      assertNotEquals(AuditOutcome.DENIED, e.outcome(), () -> "every racer was entitled, yet " + e);
    }
    return events.stream()
        .filter(e -> e.resource().equals(p.id().value()) && TRANSITIONS.contains(e.action()))
        .toList();
  }

  private static void onlyRefusals(List<Outcome> outcomes, Set<Class<?>> allowed) {
    for (Outcome o : outcomes) {
      if (!o.won() && o.refusal() != null) {
        assertTrue(allowed.contains(o.refusal()), () -> "unexpected refusal in " + outcomes);
      }
    }
  }

  private static long winners(List<Outcome> outcomes) {
    return outcomes.stream().filter(Outcome::won).count();
  }

  /** Two operators, one agent each, and an admin. */
  private static final class Pair {
    final PeckFixture f = new PeckFixture();
    final Op opA = f.operator("Operator A");
    final Op opB = f.operator("Operator B");
    final Ag a = f.agent(opA, "a", Tier.T1);
    final Ag b = f.agent(opB, "b", Tier.T1);

    Peck accepted() {
      Peck p = f.request(a, b);
      return f.pecks.accept(b.key(), p.id());
    }
  }

  // ------------------------------------------------------------------ decisions

  @Test
  @Tag("P4")
  @Tag("P7")
  @Tag("I4")
  void approveRejectCloseExpire_atTheExactExpiry_exactlyOneWins() throws Exception {
    Pair w = new Pair();
    try (w.f) {
      for (int round = 0; round < ROUNDS; round++) {
        Peck p = w.accepted();
        w.f.t.clock.set(p.requestExpiresAt()); // approve refuses from here; reject, close and expiry race
        long head = w.f.head();
        List<Outcome> o = race(List.of(
            racer("approve(opB)", () -> w.f.pecks.approve(w.opB.key(), p.id())),
            racer("reject(opB)", () -> w.f.pecks.reject(w.opB.key(), p.id(), ReasonCode.POLICY_VIOLATION)),
            racer("reject(admin)", () -> w.f.pecks.reject(w.f.adminKey, p.id(), ReasonCode.POLICY_VIOLATION)),
            racer("close(a)", () -> w.f.pecks.close(w.a.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("close(opA)", () -> w.f.pecks.close(w.opA.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("expireDue", () -> w.f.pecks.expireDue()),
            racer("expireDue", () -> w.f.pecks.expireDue())));
        assertEquals(1, winners(o), () -> "exactly one transition wins: " + o);
        assertFalse(o.get(0).won(), "no approval at the expiry instant");
        onlyRefusals(o, Set.of(Conflict.class));
        List<AuditEvent> t = transitions(w.f, head, p);
        assertEquals(1, t.size(), () -> "exactly one transition audited: " + t);
        assertEquals(expectedState(o), w.f.state(p).state());
      }
      w.f.assertChainVerifies();
    }
  }

  private static PeckState expectedState(List<Outcome> o) {
    String winner = o.stream().filter(Outcome::won).findFirst().orElseThrow().label();
    return winner.startsWith("reject") ? PeckState.REJECTED
        : winner.startsWith("close") ? PeckState.CLOSED
        : winner.startsWith("expire") ? PeckState.EXPIRED
        : winner.startsWith("approve") ? PeckState.ACTIVE
        : winner.startsWith("accept") ? PeckState.ACCEPTED
        : PeckState.DECLINED;
  }

  @Test
  @Tag("P4")
  @Tag("I4")
  void approveRejectClose_beforeExpiry_exactlyOneDecision_thenAtMostOneClose() throws Exception {
    Pair w = new Pair();
    try (w.f) {
      for (int round = 0; round < ROUNDS; round++) {
        Peck p = w.accepted();
        long head = w.f.head();
        List<Outcome> o = race(List.of(
            racer("approve(opB)", () -> w.f.pecks.approve(w.opB.key(), p.id())),
            racer("approve(admin)", () -> w.f.pecks.approve(w.f.adminKey, p.id())),
            racer("reject(opB)", () -> w.f.pecks.reject(w.opB.key(), p.id(), ReasonCode.POLICY_VIOLATION)),
            racer("reject(admin)", () -> w.f.pecks.reject(w.f.adminKey, p.id(), ReasonCode.POLICY_VIOLATION)),
            racer("close(a)", () -> w.f.pecks.close(w.a.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("close(b)", () -> w.f.pecks.close(w.b.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("expireDue", () -> w.f.pecks.expireDue())));
        onlyRefusals(o, Set.of(Conflict.class));
        long decisions = o.stream().filter(x -> x.won() && !x.label().startsWith("close")).count();
        long approvals = o.stream().filter(x -> x.won() && x.label().startsWith("approve")).count();
        long closes = o.stream().filter(x -> x.won() && x.label().startsWith("close")).count();
        // out of ACCEPTED exactly one wins; only an approval leaves something (ACTIVE) a close may end
        assertTrue(decisions + closes >= 1 && decisions <= 1 && closes <= 1
                && (closes == 0 || decisions == 0 || approvals == 1),
            () -> "one transition out of ACCEPTED (and a close only after an approval): " + o);
        assertFalse(o.get(6).won(), "nothing is due");
        List<AuditEvent> t = transitions(w.f, head, p);
        assertEquals(winners(o), t.size(), () -> "one audit event per won transition: " + t + " for " + o);
        if (t.size() == 2) {
          assertEquals(List.of("peck.approved", "peck.closed"), t.stream().map(AuditEvent::action).toList());
          assertEquals("ACTIVE", t.get(1).details().get("from"), "the close came after the approval");
        } else {
          assertEquals("ACCEPTED", t.get(0).details().getOrDefault("from", "ACCEPTED"));
        }
        PeckState now = w.f.state(p).state();
        assertEquals(closes == 1 ? PeckState.CLOSED : expectedState(o), now);
      }
      w.f.assertChainVerifies();
    }
  }

  @Test
  @Tag("P5")
  @Tag("P7")
  @Tag("I4")
  void closeVsExpiry_ofAnActivePeck_atTheSessionEnd_exactlyOneWins() throws Exception {
    Pair w = new Pair();
    try (w.f) {
      for (int round = 0; round < ROUNDS; round++) {
        Peck p = w.f.active(w.a, w.b, w.opB.key());
        w.f.t.clock.set(p.sessionExpiresAt().orElseThrow());
        long head = w.f.head();
        List<Outcome> o = race(List.of(
            racer("close(a)", () -> w.f.pecks.close(w.a.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("close(b)", () -> w.f.pecks.close(w.b.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("close(opA)", () -> w.f.pecks.close(w.opA.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("close(opB)", () -> w.f.pecks.close(w.opB.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("expireDue", () -> w.f.pecks.expireDue()),
            racer("expireDue", () -> w.f.pecks.expireDue())));
        assertEquals(1, winners(o), () -> "exactly one transition wins: " + o);
        onlyRefusals(o, Set.of(Conflict.class));
        assertEquals(1, transitions(w.f, head, p).size());
        assertEquals(expectedState(o), w.f.state(p).state());
      }
      w.f.assertChainVerifies();
    }
  }

  // ------------------------------------------------------------------ acknowledgement

  @Test
  @Tag("P3")
  @Tag("I4")
  void acceptVsDecline_exactlyOneWins() throws Exception {
    Pair w = new Pair();
    try (w.f) {
      for (int round = 0; round < ROUNDS; round++) {
        Peck p = w.f.request(w.a, w.b);
        long head = w.f.head();
        List<Outcome> o = race(List.of(
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("decline", () -> w.f.pecks.decline(w.b.key(), p.id(), ReasonCode.NONE)),
            racer("decline", () -> w.f.pecks.decline(w.b.key(), p.id(), ReasonCode.NONE)),
            racer("decline", () -> w.f.pecks.decline(w.b.key(), p.id(), ReasonCode.NONE))));
        assertEquals(1, winners(o), () -> "exactly one of accept/decline wins: " + o);
        onlyRefusals(o, Set.of(Conflict.class));
        assertEquals(1, transitions(w.f, head, p).size());
        assertEquals(expectedState(o), w.f.state(p).state());
      }
      w.f.assertChainVerifies();
    }
  }

  @Test
  @Tag("P3")
  @Tag("P7")
  @Tag("I4")
  void acceptVsExpiry_atTheExactExpiry_expiryWins() throws Exception {
    Pair w = new Pair();
    try (w.f) {
      for (int round = 0; round < ROUNDS; round++) {
        Peck p = w.f.request(w.a, w.b);
        w.f.t.clock.set(p.requestExpiresAt());
        long head = w.f.head();
        List<Outcome> o = race(List.of(
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("expireDue", () -> w.f.pecks.expireDue()),
            racer("expireDue", () -> w.f.pecks.expireDue()),
            racer("expireDue", () -> w.f.pecks.expireDue())));
        assertEquals(1, winners(o), () -> "exactly one transition: " + o);
        assertTrue(o.stream().filter(Outcome::won).allMatch(x -> x.label().equals("expireDue")),
            () -> "no acceptance at the expiry instant: " + o);
        onlyRefusals(o, Set.of(Conflict.class));
        assertEquals(1, transitions(w.f, head, p).size());
        assertEquals(PeckState.EXPIRED, w.f.state(p).state());
      }
      w.f.assertChainVerifies();
    }
  }

  @Test
  @Tag("P3")
  @Tag("P7")
  @Tag("I4")
  void acceptVsExpiry_whileTheClockReachesTheExpiry_noAcceptanceAtOrAfterIt() throws Exception {
    Pair w = new Pair();
    try (w.f) {
      for (int round = 0; round < ROUNDS; round++) {
        Peck p = w.f.request(w.a, w.b);
        Instant expiry = p.requestExpiresAt();
        w.f.t.clock.set(expiry.minusMillis(1));
        long head = w.f.head();
        List<Outcome> o = race(List.of(
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("accept", () -> w.f.pecks.accept(w.b.key(), p.id())),
            racer("expireDue", () -> {
              w.f.t.clock.set(expiry);
              return w.f.pecks.expireDue();
            }),
            racer("expireDue", () -> w.f.pecks.expireDue()),
            racer("expireDue", () -> w.f.pecks.expireDue())));
        onlyRefusals(o, Set.of(Conflict.class));
        long accepts = o.stream().filter(x -> x.won() && x.label().equals("accept")).count();
        long expiries = o.stream().filter(x -> x.won() && x.label().equals("expireDue")).count();
        assertTrue(accepts <= 1 && expiries <= 1 && accepts + expiries >= 1, () -> "one per state: " + o);
        List<AuditEvent> t = transitions(w.f, head, p);
        assertEquals(accepts + expiries, t.size(), () -> t + " for " + o);
        if (accepts == 1) {
          AuditEvent accepted = t.get(0);
          assertEquals("peck.accepted", accepted.action(), "an expiry is final: nothing is accepted after it");
          assertTrue(accepted.timestamp().isBefore(expiry), "accepted strictly before the expiry");
        }
        PeckState now = w.f.state(p).state();
        assertEquals(expiries == 1 ? PeckState.EXPIRED : PeckState.ACCEPTED, now);
        w.f.pecks.expireDue(); // the clock is at the expiry: leave nothing behind for the next round
      }
      w.f.assertChainVerifies();
    }
  }

  // ------------------------------------------------------------------ revocation in the race

  @Test
  @Tag("P4")
  @Tag("B2")
  @Tag("I3")
  void decisionsVsBondRevocation_neverAnActivePeckWithARevokedBond() throws Exception {
    Pair w = new Pair();
    try (w.f) {
      for (int round = 0; round < ROUNDS; round++) {
        Ag a = w.f.agent(w.opA, "a", Tier.T1);
        Peck p = w.f.pecks.accept(w.b.key(), w.f.request(a, w.b).id());
        List<Outcome> o = race(List.of(
            racer("approve(opB)", () -> w.f.pecks.approve(w.opB.key(), p.id())),
            racer("approve(admin)", () -> w.f.pecks.approve(w.f.adminKey, p.id())),
            racer("reject(opB)", () -> w.f.pecks.reject(w.opB.key(), p.id(), ReasonCode.POLICY_VIOLATION)),
            racer("close(a)", () -> w.f.pecks.close(a.key(), p.id(), ReasonCode.NO_LONGER_NEEDED)),
            racer("session(a)", () -> w.f.pecks.session(a.key(), p.id())),
            racer("revokeBond", () -> w.f.engine.bonds().revoke(w.opA.key(), a.bond(), ReasonCode.COMPROMISED))));
        assertTrue(o.get(5).won(), () -> "the revocation always goes through: " + o);
        onlyRefusals(o, Set.of(Conflict.class, Unauthenticated.class, NotFound.class));
        long decisions = o.subList(0, 4).stream().filter(Outcome::won).count();
        long approvals = o.subList(0, 2).stream().filter(Outcome::won).count();
        assertTrue(decisions <= 1 || (decisions == 2 && approvals == 1 && o.get(3).won()), () -> "one decision: " + o);
        Peck after = w.f.state(p);
        assertTrue(after.state() == PeckState.CLOSED || after.state() == PeckState.REJECTED,
            () -> "a revoked bond leaves no open peck: " + after.state() + " after " + o);
        if (o.get(4).won()) {
          assertEquals(1, approvals, "a session exists only for an approved peck");
        }
      }
      w.f.assertChainVerifies();
    }
  }

  @Test
  @Tag("P5")
  @Tag("B2")
  @Tag("I3")
  void verifySessionInALoop_neverSucceedsOnceTheBondRevocationCommitted() throws Exception {
    Pair w = new Pair();
    try (w.f) {
      for (int round = 0; round < 5; round++) {
        Ag a = w.f.agent(w.opA, "a", Tier.T1);
        Peck p = w.f.active(a, w.b, w.opB.key());
        List<SessionToken> tokens = List.of(w.f.pecks.session(a.key(), p.id()).token(),
            w.f.pecks.session(w.b.key(), p.id()).token());
        AtomicBoolean revoking = new AtomicBoolean();
        AtomicBoolean revoked = new AtomicBoolean();
        AtomicInteger lateSuccesses = new AtomicInteger();
        AtomicLong before = new AtomicLong();
        AtomicLong after = new AtomicLong();
        int verifiers = 6;
        CountDownLatch warmedUp = new CountDownLatch(verifiers);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < verifiers; i++) {
          SessionToken token = tokens.get(i % 2);
          running.add(pool.submit(() -> {
            boolean counted = false;
            int afterRevoke = 0;
            while (afterRevoke < 300) {
              boolean revokedBeforeCall = revoked.get();
              try {
                w.f.pecks.verifySession(token);
                if (revokedBeforeCall) {
                  lateSuccesses.incrementAndGet();
                } else {
                  before.incrementAndGet();
                }
              } catch (Unauthenticated e) {
                if (!revoking.get()) { // read after the call: the whole call ran before the revocation began
                  fail("a live session failed before the revocation began");
                }
              }
              if (!counted) {
                counted = true;
                warmedUp.countDown();
              }
              if (revokedBeforeCall) {
                afterRevoke++;
                after.incrementAndGet();
              }
            }
            return null;
          }));
        }
        assertTrue(warmedUp.await(20, TimeUnit.SECONDS), "every verifier ran");
        revoking.set(true);
        w.f.engine.bonds().revoke(w.opA.key(), a.bond(), ReasonCode.COMPROMISED);
        revoked.set(true); // from here on the revocation has committed: no call may succeed
        for (Future<?> f : running) {
          f.get(30, TimeUnit.SECONDS);
        }
        assertTrue(before.get() >= verifiers, "sessions verified while the bond was live");
        assertEquals(verifiers * 300L, after.get());
        assertEquals(0, lateSuccesses.get(), "verifySession succeeded after the revocation committed");
      }
    }
  }
}
