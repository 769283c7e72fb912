package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.VerificationCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 15 #8: extreme values on every public entry point that takes a duration, an instant, a limit
 * or unbounded text give the documented typed refusal ({@link InvalidInput}, {@link Rejected},
 * {@link Unauthenticated}, or {@link IllegalArgumentException} for a value type's or the builder's
 * precondition) — never a raw {@code DateTimeException}/{@code ArithmeticException}, and never an
 * unbounded string carried to the store or a host SPI.
 */
class ExtremeInputProperties {
  private static PeckFixture f;
  private static PeckFixture.Op op;
  private static PeckFixture.Ag agent;
  private static PeckFixture.Ag target;
  private static final AtomicInteger challengeSeen = new AtomicInteger();
  private static final AtomicInteger longestChallengeSeen = new AtomicInteger();

  @BeforeContainer
  static void open() {
    f = new PeckFixture();
    op = f.operator("Olive");
    agent = f.agent(op, "Scout", Tier.T1);
    PeckFixture.Op other = f.operator("Otto");
    target = f.agent(other, "Target", Tier.T1);
  }

  @AfterContainer
  static void close() {
    f.close();
  }

  @Provide
  Arbitrary<Duration> durations() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            Duration.ZERO, Duration.ofNanos(1), Duration.ofNanos(-1), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
            Duration.ofSeconds(Long.MIN_VALUE), Duration.ofDays(3650), Duration.ofDays(3650).plusNanos(1),
            Duration.ofDays(30), Duration.ofDays(30).plusNanos(1), Duration.ofMinutes(1), Duration.ofMinutes(1).minusNanos(1),
            Duration.ofSeconds(Long.MAX_VALUE / 2), Duration.ofDays(1_000_000_000L)),
        Arbitraries.longs().map(Duration::ofSeconds),
        Arbitraries.longs().map(Duration::ofNanos));
  }

  /** Only the engine's own refusals: no raw java.time or arithmetic exception escapes. */
  private static void typedOrOk(Runnable call, Class<? extends SpaceDuckException> expected, String field) {
    try {
      call.run();
    } catch (SpaceDuckException e) {
      assertEquals(expected, e.getClass(), e.toString());
      if (e instanceof InvalidInput i) {
        assertEquals(field, i.field());
      }
    }
  }

  @Property(tries = 200)
  @Label("U2: stale(threshold) with any duration answers or refuses as InvalidInput(threshold)")
  @Tag("U2")
  void staleThreshold_extremes(@ForAll("durations") Duration d) {
    boolean valid = !d.isNegative() && !d.isZero() && d.compareTo(Duration.ofDays(3650)) <= 0;
    if (valid) {
      f.engine.pulses().stale(op.key(), d);
    } else {
      InvalidInput e = assertThrows(InvalidInput.class, () -> f.engine.pulses().stale(op.key(), d));
      assertEquals("threshold", e.field());
    }
  }

  @Property(tries = 100)
  @Label("P1: a peck request's duration, any value, is accepted in 1 min..30 days or refused as InvalidInput")
  @Tag("P1")
  void peckDuration_extremes(@ForAll("durations") Duration d) {
    typedOrOk(() -> {
      var p = f.pecks.request(agent.key(), PeckRequest.of(target.cert(), Set.of("chat"), d));
      f.pecks.close(agent.key(), p.id(), io.spaceduck.api.ReasonCode.NONE);
    }, InvalidInput.class, "duration");
  }

  @Property(tries = 100)
  @Label("P4: a standing rule's max duration, any value, is refused as a typed error or accepted")
  @Tag("P4")
  void standingRuleDuration_extremes(@ForAll("durations") Duration d) {
    try {
      f.pecks.addStandingRule(op.key(), agent.id(), Set.of("chat"), d);
    } catch (SpaceDuckException typed) {
      // InvalidInput for the duration, or Forbidden/Conflict for the T3 rule itself: all typed
    }
  }

  @Property(tries = 100)
  @Label("every builder duration, any value, is accepted or refused with IllegalArgumentException")
  void builderDurations_extremes(@ForAll("durations") Duration d) {
    java.util.List<BiConsumer<SpaceDuckBuilder, Duration>> setters = java.util.List.of(
        SpaceDuckBuilder::keyRotationGrace, SpaceDuckBuilder::hatchCodeTtl, SpaceDuckBuilder::peckRequestTtl,
        SpaceDuckBuilder::pulseTtl, SpaceDuckBuilder::staleThreshold);
    for (BiConsumer<SpaceDuckBuilder, Duration> set : setters) {
      SpaceDuckBuilder b = SpaceDuck.builder().kek(TestEngine.newKek()).humanCheck((t, s) -> true)
          .verificationDelivery((e, h, c, x) -> {}).storageUri("memory:").clock(Clock.systemUTC());
      try {
        set.accept(b, d); // issue 16: the range is checked here, when the setting is set
        b.config();
      } catch (IllegalArgumentException refused) {
        assertFalse(refused.getMessage().contains(d.toString()) && d.toString().length() > 40);
      }
    }
  }

  @Property(tries = 100)
  @Label("limits of every paged read, any int, give a page or InvalidInput(limit)")
  void pageLimits_extremes(@ForAll int limit) {
    typedOrOk(() -> f.engine.pulses().history(op.key(), agent.id(), limit), InvalidInput.class, "limit");
    typedOrOk(() -> f.pecks.inbox(target.key(), Optional.empty(), limit), InvalidInput.class, "limit");
    typedOrOk(() -> f.pecks.pendingApprovals(op.key(), Optional.empty(), limit), InvalidInput.class, "limit");
  }

  @Provide
  Arbitrary<Instant> instants() {
    return Arbitraries.oneOf(
        Arbitraries.of(Instant.MIN, Instant.MAX, Instant.EPOCH, Instant.MIN.plusNanos(1), Instant.MAX.minusNanos(1)),
        Arbitraries.longs().between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()).map(Instant::ofEpochSecond));
  }

  @Property(tries = 100)
  @Label("A4: audit reads between any two instants answer (no overflow in the filter)")
  @Tag("A4")
  void auditBetween_extremes(@ForAll("instants") Instant from, @ForAll("instants") Instant to) {
    f.engine.audit().read(f.adminKey, AuditQuery.all().between(from, to));
  }

  @Example
  @Tag("A4")
  void auditFilters_areBounded() {
    String huge = "x".repeat(1_000_000);
    assertThrows(IllegalArgumentException.class, () -> AuditQuery.all().withActor(huge));
    assertThrows(IllegalArgumentException.class, () -> AuditQuery.all().withAction(huge));
    assertThrows(IllegalArgumentException.class, () -> AuditQuery.all().withResource(huge));
    f.engine.audit().read(f.adminKey, AuditQuery.all().withActor("x".repeat(AuditQuery.MAX_FILTER)));
  }

  @Example
  @Tag("H3")
  @Tag("D2")
  void verificationCode_isBounded_andItsRefusalDoesNotEchoIt() {
    String huge = "7".repeat(VerificationCode.MAX_LENGTH + 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VerificationCode.of(huge));
    assertFalse(e.getMessage().contains("7777777"));
    HatchTicket t = f.t.startHatch("Longcode", TestEngine.uniqueEmail());
    // the longest accepted wrong code is an ordinary wrong code: the generic rejection
    assertThrows(Rejected.class,
        () -> f.engine.hatching().complete(t.id(), VerificationCode.of("1".repeat(VerificationCode.MAX_LENGTH))));
  }

  @Example
  @Tag("H1")
  void oversizedChallengeToken_isTheGenericRejection_andNeverReachesTheHumanCheck() {
    try (SpaceDuck engine = SpaceDuck.builder().storageUri("memory:").kek(TestEngine.newKek())
        .humanCheck((token, source) -> {
          challengeSeen.incrementAndGet();
          longestChallengeSeen.accumulateAndGet(token.length(), Math::max);
          return true;
        })
        .verificationDelivery((e, h, c, x) -> {}).build()) {
      String huge = "t".repeat(1_000_000);
      Rejected r = assertThrows(Rejected.class,
          () -> engine.hatching().start(new HatchRequest("Bot", Email.of(TestEngine.uniqueEmail()), huge, "src")));
      assertEquals(Rejected.HATCH_MESSAGE, r.getMessage());
      assertEquals(0, challengeSeen.get(), "the host's check never saw it");
      engine.hatching().start(new HatchRequest("Human", Email.of(TestEngine.uniqueEmail()), "t".repeat(4096), "src"));
      assertEquals(1, challengeSeen.get());
      assertEquals(4096, longestChallengeSeen.get());
    }
  }

  @Example
  @Tag("C2")
  @Tag("P5")
  void offlineVerifiers_boundWhatTheyParse() {
    String jwks = f.engine.certificates().publicJwks();
    String huge = "eyJ" + "A".repeat(2_000_000) + ".e30.sig";
    assertThrows(InvalidInput.class, () -> OfflineCertificateVerifier.fromJwks(jwks).verify(huge));
    assertThrows(InvalidInput.class, () -> f.engine.certificates().verify(huge));
    assertThrows(Unauthenticated.class,
        () -> OfflineSessionVerifier.fromJwks(jwks, f.t.clock).verify(SessionToken.of(huge), agent.id()));
    assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(SessionToken.of(huge)));
  }

  @Example
  @Tag("K6")
  void hugeBeakKey_isUnauthenticated() {
    assertThrows(Unauthenticated.class, () -> f.engine.authenticate(BeakKey.of("bk_" + "a".repeat(5_000_000))));
  }
}
