package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.Collections;
import java.util.concurrent.Semaphore;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.PeckNotifier;
import io.spaceduck.core.PeckFixture.Ag;
import io.spaceduck.core.PeckFixture.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The {@link PeckNotifier} SPI (P3): called after commit, once per transition, on the engine's own
 * bounded executor — so a notifier that throws, hangs or falls behind changes no outcome and blocks no
 * caller. Waits are bounded: {@link BlockingQueue#poll(long, TimeUnit)} and latches with timeouts.
 */
class PeckNotifierTest {
  private static final long WAIT_S = 10;

  /** What the notifier saw, and what the engine said about the peck from inside the callback. */
  record Seen(PeckId id, PeckState notified, PeckState readInCallback, boolean eventCommitted, String thread) {}

  /** A notifier that records each call; it reads the peck through the engine while being called. */
  private static final class Recorder implements PeckNotifier {
    final AtomicReference<PeckFixture> fixture = new AtomicReference<>();
    final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    @Override
    public void onTransition(Peck peck) {
      PeckFixture f = fixture.get();
      Peck now = f.pecks.get(f.adminKey, peck.id());
      boolean committed = f.since(0).stream().anyMatch(e -> e.resource().equals(peck.id().value())
          && e.action().equals(actionOf(peck.state())));
      seen.add(new Seen(peck.id(), peck.state(), now.state(), committed, Thread.currentThread().getName()));
    }

    Seen next() throws InterruptedException {
      Seen s = seen.poll(WAIT_S, TimeUnit.SECONDS);
      assertNotNull(s, "a notification arrived in time");
      return s;
    }
  }

  static String actionOf(PeckState s) {
    return switch (s) {
      case REQUESTED -> "peck.requested";
      case ACCEPTED -> "peck.accepted";
      case ACTIVE -> "peck.approved";
      case DECLINED -> "peck.declined";
      case REJECTED -> "peck.rejected";
      case EXPIRED -> "peck.expired";
      case CLOSED -> "peck.closed";
    };
  }

  private static void expect(Recorder r, Peck p, PeckState state) throws InterruptedException {
    Seen s = r.next();
    assertEquals(p.id(), s.id());
    assertEquals(state, s.notified(), "the transition");
    assertEquals(state, s.readInCallback(), "the engine shows the new state to the notifier: it has committed");
    assertTrue(s.thread().startsWith("spaceduck-peck-notifier"), "called on the engine's executor, not the caller's");
  }

  @Test
  @Tag("P3")
  void recordingNotifier_hearsEveryTransitionAfterCommit() throws Exception {
    Recorder r = new Recorder();
    try (PeckFixture f = new PeckFixture(b -> b.peckNotifier(r))) {
      r.fixture.set(f);
      Op opA = f.operator("A");
      Op opB = f.operator("B");
      Ag a = f.agent(opA, "a", Tier.T1);
      Ag b = f.agent(opB, "b", Tier.T1);
      assertNull(r.seen.poll(), "governance outside pecks notifies nobody");

      Peck p = f.request(a, b);
      expect(r, p, PeckState.REQUESTED);
      f.pecks.accept(b.key(), p.id());
      expect(r, p, PeckState.ACCEPTED);
      f.pecks.approve(opB.key(), p.id());
      expect(r, p, PeckState.ACTIVE);
      f.pecks.close(a.key(), p.id(), ReasonCode.NO_LONGER_NEEDED);
      expect(r, p, PeckState.CLOSED);

      Peck d = f.request(a, b);
      expect(r, d, PeckState.REQUESTED);
      f.pecks.decline(b.key(), d.id(), ReasonCode.NONE);
      expect(r, d, PeckState.DECLINED);

      Peck j = f.request(a, b);
      expect(r, j, PeckState.REQUESTED);
      f.pecks.accept(b.key(), j.id());
      expect(r, j, PeckState.ACCEPTED);
      f.pecks.reject(opB.key(), j.id(), ReasonCode.POLICY_VIOLATION);
      expect(r, j, PeckState.REJECTED);

      Peck e = f.request(a, b);
      expect(r, e, PeckState.REQUESTED);
      f.t.clock.advance(Duration.ofHours(24));
      assertEquals(1, f.pecks.expireDue());
      expect(r, e, PeckState.EXPIRED);

      // a cascade notifies too: a revoked bond closes the open peck
      Peck c = f.request(a, b);
      expect(r, c, PeckState.REQUESTED);
      f.engine.bonds().revoke(opB.key(), b.bond(), ReasonCode.NO_LONGER_NEEDED);
      expect(r, c, PeckState.CLOSED);

      // refusals notify nobody
      Ag b2 = f.agent(opB, "b2", Tier.T1);
      Peck x = f.request(a, b2);
      expect(r, x, PeckState.REQUESTED);
      try {
        f.pecks.approve(opA.key(), x.id());
      } catch (io.spaceduck.api.Forbidden expected) {
        // the requester's operator may not decide
      }
      try {
        f.pecks.approve(opB.key(), x.id());
      } catch (io.spaceduck.api.Conflict expected) {
        // not accepted yet
      }
      f.pecks.close(b2.key(), x.id(), ReasonCode.NONE);
      expect(r, x, PeckState.CLOSED);
      assertNull(r.seen.poll(200, TimeUnit.MILLISECONDS), "nothing else was notified");
      for (Seen s : List.copyOf(r.seen)) {
        assertTrue(s.eventCommitted());
      }
    }
  }

  @Test
  @Tag("P3")
  void t3AutoApproval_isNotifiedAsAcceptedThenActive() throws Exception {
    Recorder r = new Recorder();
    try (PeckFixture f = new PeckFixture(b -> b.enable(io.spaceduck.api.Feature.T3_AUTOMATION).peckNotifier(r))) {
      r.fixture.set(f);
      Op opA = f.operator("A");
      Op opB = f.operator("B");
      Ag a = f.agent(opA, "a", Tier.T1);
      Ag b = f.agent(opB, "b", Tier.T1);
      var cert = f.engine.identities().promote(opB.key(), b.id(), Tier.T3);
      f.pecks.addStandingRule(opB.key(), b.id(), PeckFixture.SCOPE, PeckFixture.HOUR);
      Peck p = f.pecks.request(a.key(), io.spaceduck.api.PeckRequest.of(cert.id(), PeckFixture.SCOPE, PeckFixture.HOUR));
      assertEquals(PeckState.REQUESTED, r.next().notified());
      assertEquals(PeckState.ACTIVE, f.pecks.accept(b.key(), p.id()).state());
      Seen accepted = r.next();
      assertEquals(PeckState.ACCEPTED, accepted.notified());
      Seen active = r.next();
      assertEquals(PeckState.ACTIVE, active.notified());
      assertEquals(PeckState.ACTIVE, active.readInCallback());
      assertTrue(active.eventCommitted());
    }
  }

  @Test
  @Tag("P3")
  void throwingNotifier_changesNoOutcome_andLaterNotificationsStillArrive() throws Exception {
    BlockingQueue<PeckState> heard = new LinkedBlockingQueue<>();
    AtomicInteger calls = new AtomicInteger();
    PeckNotifier flaky = peck -> {
      int n = calls.incrementAndGet();
      heard.add(peck.state());
      if (n % 3 == 1) {
        throw new IllegalStateException("webhook endpoint down");
      }
      if (n % 3 == 2) {
        throw new AssertionError("a notifier that throws an Error");
      }
    };
    Logger log = (Logger) LoggerFactory.getLogger("io.spaceduck.core.internal.PeckDispatcher");
    Captured logged = capture(log);
    try (PeckFixture f = new PeckFixture(b -> b.peckNotifier(flaky))) {
      Op opA = f.operator("A");
      Op opB = f.operator("B");
      Ag a = f.agent(opA, "a", Tier.T1);
      Ag b = f.agent(opB, "b", Tier.T1);
      long head = f.head();
      Peck p = f.request(a, b);
      assertEquals(PeckState.ACCEPTED, f.pecks.accept(b.key(), p.id()).state());
      assertEquals(PeckState.ACTIVE, f.pecks.approve(opB.key(), p.id()).state());
      assertEquals(PeckState.CLOSED, f.pecks.close(b.key(), p.id(), ReasonCode.NONE).state());
      for (PeckState s : List.of(PeckState.REQUESTED, PeckState.ACCEPTED, PeckState.ACTIVE, PeckState.CLOSED)) {
        assertEquals(s, heard.poll(WAIT_S, TimeUnit.SECONDS), "every notification arrives, in order");
      }
      assertEquals(PeckState.CLOSED, f.state(p).state(), "the failures undid nothing");
      assertEquals(4, f.since(head).size(), "four transitions, four events");
      f.assertChainVerifies();
      assertTrue(logged.await(3),
          () -> "each of the notifier's three failures (calls 1, 2 and 4) is logged: " + logged.snapshot());
      for (ILoggingEvent e : logged.snapshot()) {
        assertEquals(Level.WARN, e.getLevel());
        assertTrue(!e.getFormattedMessage().contains("webhook endpoint down"), "no notifier text in the log");
      }
    } finally {
      release(log, logged);
    }
  }

  @Test
  @Tag("P3")
  void blockedNotifier_blocksNeitherRequestNorAccept() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    BlockingQueue<PeckState> heard = new LinkedBlockingQueue<>();
    PeckNotifier stuck = peck -> {
      entered.countDown();
      try {
        gate.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      heard.add(peck.state());
    };
    try (PeckFixture f = new PeckFixture(b -> b.peckNotifier(stuck))) {
      Op opA = f.operator("A");
      Op opB = f.operator("B");
      Ag a = f.agent(opA, "a", Tier.T1);
      Ag b = f.agent(opB, "b", Tier.T1);
      try {
        Peck p = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> f.request(a, b));
        assertTrue(entered.await(WAIT_S, TimeUnit.SECONDS), "the notifier is now blocked");
        Peck accepted = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> f.pecks.accept(b.key(), p.id()));
        assertEquals(PeckState.ACCEPTED, accepted.state());
        Peck active = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> f.pecks.approve(opB.key(), p.id()));
        assertEquals(PeckState.ACTIVE, active.state());
        assertTrue(heard.isEmpty(), "the notifier is still blocked while the calls returned");
      } finally {
        gate.countDown();
      }
      for (PeckState s : List.of(PeckState.REQUESTED, PeckState.ACCEPTED, PeckState.ACTIVE)) {
        assertEquals(s, heard.poll(WAIT_S, TimeUnit.SECONDS), "released: the queued notifications arrive in order");
      }
    }
  }

  @Test
  @Tag("P3")
  void moreThan1024QueuedNotifications_areDroppedAndLogged_theEngineKeepsWorking() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger delivered = new AtomicInteger();
    CountDownLatch drained = new CountDownLatch(1025);
    BlockingQueue<PeckId> after = new LinkedBlockingQueue<>();
    AtomicReference<Boolean> released = new AtomicReference<>(false);
    PeckNotifier stuck = peck -> {
      try {
        gate.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      boolean late = released.get(); // read before counting down: the test flips it after the drain
      delivered.incrementAndGet();
      if (late) {
        after.add(peck.id());
      }
      drained.countDown();
    };
    Logger log = (Logger) LoggerFactory.getLogger("io.spaceduck.core.internal.PeckDispatcher");
    Captured logged = capture(log);
    try (PeckFixture f = new PeckFixture(b -> b.peckNotifier(stuck))) {
      Op opA = f.operator("A");
      Op opB = f.operator("B");
      Ag a = f.agent(opA, "a", Tier.T1);
      Ag b = f.agent(opB, "b", Tier.T1);
      int total = 1100;
      List<Peck> sent = new ArrayList<>();
      try {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
          for (int i = 0; i < total; i++) {
            sent.add(f.request(a, b));
          }
        });
        // the engine keeps working behind the full queue
        Peck p = sent.get(0);
        assertEquals(PeckState.ACCEPTED, f.pecks.accept(b.key(), p.id()).state());
        assertEquals(PeckState.ACTIVE, f.pecks.approve(opB.key(), p.id()).state());
        assertEquals(a.id(), f.pecks.verifySession(f.pecks.session(a.key(), p.id()).token()).subject());
        assertEquals(100, f.pecks.inbox(b.key(), java.util.Optional.empty(), 100).size());
        f.assertChainVerifies();
        long drops = logged.snapshot().stream().filter(e -> e.getFormattedMessage().contains("dropped")).count();
        // one running plus 1024 queued; everything beyond is dropped; drops are logged at the first
        // and every 1000th, so a sustained backlog cannot flood the log
        long dropped = total + 2 - 1025;
        assertEquals(1 + dropped / 1000, drops, "dropped notifications are logged, bounded");
      } finally {
        gate.countDown();
      }
      assertTrue(drained.await(WAIT_S, TimeUnit.SECONDS), () -> "the queue drained: " + delivered.get());
      assertEquals(1025, delivered.get(), "one running and 1024 queued were delivered, the rest dropped");
      released.set(true);
      Peck later = f.request(a, b);
      assertEquals(later.id(), after.poll(WAIT_S, TimeUnit.SECONDS), "notifications flow again once drained");
      assertEquals(1026, delivered.get());
    } finally {
      release(log, logged);
    }
  }

  /** Collects log events of one logger; {@link #await} waits, bounded, for a number of them. */
  private static final class Captured extends AppenderBase<ILoggingEvent> {
    final List<ILoggingEvent> list = Collections.synchronizedList(new ArrayList<>());
    private final Semaphore appended = new Semaphore(0);

    @Override
    protected void append(ILoggingEvent e) {
      list.add(e);
      appended.release();
    }

    boolean await(int events) throws InterruptedException {
      return appended.tryAcquire(events, WAIT_S, TimeUnit.SECONDS);
    }

    List<ILoggingEvent> snapshot() {
      synchronized (list) {
        return List.copyOf(list);
      }
    }
  }

  private static Captured capture(Logger log) {
    Captured appender = new Captured();
    appender.start();
    log.addAppender(appender);
    log.setAdditive(false); // keep the hundreds of expected warnings out of the console
    return appender;
  }

  private static void release(Logger log, Captured appender) {
    log.detachAppender(appender);
    log.setAdditive(true);
  }
}
