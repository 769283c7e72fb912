package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.StaleAgent;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pulses (U1–U3): latest and history, who may pulse and read, the TTL and its sweeps, the stale
 * listing and its threshold, no audit events but the rate limit, and status validation.
 */
class PulsesTest {
  private static final Duration TTL = Duration.ofDays(90);
  private static final Duration STALE = Duration.ofMinutes(5);

  /** An admin, an operator with one T1 agent, and a second operator. */
  private record Setup(BeakKey admin, BeakKey operator, BondResult agent, BeakKey otherOperator) {}

  private static Setup setup(TestEngine t) {
    BeakKey admin = t.bootstrap().key().key();
    BeakKey op = t.operator(admin, "Olive");
    BondResult scout = t.bond(op, "Scout", Tier.T1);
    BeakKey other = t.operator(admin, "Otto");
    return new Setup(admin, op, scout, other);
  }

  private static BeakKey key(BondResult b) {
    return b.key().key();
  }

  private static AgentId id(BondResult b) {
    return b.agent().id();
  }

  private static long head(TestEngine t) {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  private static Set<AgentId> staleIds(List<StaleAgent> stale) {
    return stale.stream().map(StaleAgent::agent).collect(Collectors.toSet());
  }

  // ------------------------------------------------------------------ U1 latest and history

  @Test
  @Tag("U1")
  void pulse_isStoredAsLatest_andHistoryIsNewestFirst() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      Instant t0 = t.clock.instant();
      Pulse first = t.engine.pulses().pulse(key(s.agent()), "  starting  ");
      assertEquals(new Pulse(id(s.agent()), s.agent().bond().operator(), t0, "starting"), first, "stripped, stamped by the engine clock");
      t.clock.advance(Duration.ofSeconds(30).plusNanos(7));
      Pulse second = t.engine.pulses().pulse(key(s.agent()), "working");
      t.clock.advance(Duration.ofMinutes(2));
      Pulse third = t.engine.pulses().pulse(key(s.agent()), "idle");

      assertEquals(Optional.of(third), t.engine.pulses().latest(key(s.agent()), id(s.agent())));
      assertEquals(List.of(third, second, first), t.engine.pulses().history(key(s.agent()), id(s.agent()), 10));
      assertEquals(List.of(third, second), t.engine.pulses().history(key(s.agent()), id(s.agent()), 2));
      assertEquals(Optional.of(third), t.storage.latestPulse(id(s.agent())), "the store holds the same latest pulse");
      assertThrows(InvalidInput.class, () -> t.engine.pulses().history(key(s.agent()), id(s.agent()), 0));
      assertThrows(InvalidInput.class, () -> t.engine.pulses().history(key(s.agent()), id(s.agent()), 1001));
    }
  }

  @Test
  @Tag("U1")
  @Tag("I1")
  void ducklingKeys_cannotPulse_butAT0AgentCan() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      HatchResult dora = t.hatch("Dora");
      for (BeakKey duckling : List.of(s.admin(), s.operator(), dora.key().key())) {
        Forbidden f = assertThrows(Forbidden.class, () -> t.engine.pulses().pulse(duckling, "I am not an agent"));
        assertFalse(f.getMessage().contains("I am not an agent"), "the refusal does not echo the status");
      }
      assertEquals(Optional.empty(), t.storage.latestPulse(id(s.agent())), "nothing was recorded");

      BondResult egg = t.bond(s.operator(), "Egg", Tier.T0);
      Pulse p = t.engine.pulses().pulse(key(egg), "hatching soon");
      assertEquals(Tier.T0, egg.agent().tier());
      assertEquals(Optional.of(p), t.engine.pulses().latest(key(egg), id(egg)), "an Egg agent reads its own pulse");
      assertEquals(List.of(p), t.engine.pulses().history(key(egg), id(egg), 5));
    }
  }

  @Test
  @Tag("U1")
  @Tag("B3")
  void operatorReadsItsAgentsPulses_otherOperatorsAndSiblingAgentsAreForbidden() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      BondResult sibling = t.bond(s.operator(), "Sibling", Tier.T1);
      HatchResult dora = t.hatch("Dora");
      Pulse p = t.engine.pulses().pulse(key(s.agent()), "ok");
      long before = head(t);

      assertEquals(Optional.of(p), t.engine.pulses().latest(s.operator(), id(s.agent())), "its operator");
      assertEquals(List.of(p), t.engine.pulses().history(s.operator(), id(s.agent()), 10), "its operator");
      assertEquals(Optional.of(p), t.engine.pulses().latest(key(s.agent()), id(s.agent())), "the agent itself");
      assertEquals(Optional.of(p), t.engine.pulses().latest(s.admin(), id(s.agent())), "an admin");

      assertThrows(Forbidden.class, () -> t.engine.pulses().latest(s.otherOperator(), id(s.agent())), "another operator");
      assertThrows(Forbidden.class, () -> t.engine.pulses().history(s.otherOperator(), id(s.agent()), 10), "another operator");
      assertThrows(Forbidden.class, () -> t.engine.pulses().latest(key(sibling), id(s.agent())), "a sibling agent");
      assertThrows(Forbidden.class, () -> t.engine.pulses().history(key(sibling), id(s.agent()), 10), "a sibling agent");
      assertThrows(Forbidden.class, () -> t.engine.pulses().latest(dora.key().key(), id(s.agent())), "a T1 duckling");
      assertEquals(before, head(t), "pulse reads are not governance: nothing audited");
    }
  }

  // ------------------------------------------------------------------ U1 TTL and sweeps

  @Test
  @Tag("U1")
  void historyOlderThanTheTtl_isHidden_thenSweptBySweepExpired_butTheLatestIsKept() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      AgentId agent = id(s.agent());
      Pulse old = t.engine.pulses().pulse(key(s.agent()), "old");
      t.clock.advance(Duration.ofDays(10));
      Pulse recent = t.engine.pulses().pulse(key(s.agent()), "recent");

      // exactly at the TTL the old pulse is still history; one nanosecond later it is not
      t.clock.set(old.at().plus(TTL));
      assertEquals(List.of(recent, old), t.engine.pulses().history(s.operator(), agent, 10));
      assertEquals(0, t.engine.pulses().sweepExpired(), "nothing is older than the TTL yet");
      t.clock.set(old.at().plus(TTL).plusNanos(1));
      assertEquals(List.of(recent), t.engine.pulses().history(s.operator(), agent, 10), "hidden once past the TTL");
      assertEquals(List.of(recent, old), t.storage.pulseHistory(agent, 10), "hidden, not yet deleted");

      assertEquals(1, t.engine.pulses().sweepExpired());
      assertEquals(List.of(recent), t.storage.pulseHistory(agent, 10), "deleted by the sweep");
      assertEquals(0, t.engine.pulses().sweepExpired(), "a second sweep finds nothing");

      // long silence: the whole history expires, the latest pulse stays readable
      t.clock.set(recent.at().plus(Duration.ofDays(400)));
      assertEquals(List.of(), t.engine.pulses().history(s.operator(), agent, 10));
      assertEquals(1, t.engine.pulses().sweepExpired());
      assertEquals(List.of(), t.storage.pulseHistory(agent, 10));
      assertEquals(Optional.of(recent), t.engine.pulses().latest(s.operator(), agent), "the latest pulse is never swept");
      assertEquals(Optional.of(recent), t.storage.latestPulse(agent));
    }
  }

  @Test
  @Tag("U1")
  void aCustomPulseTtl_isHonoured_andValidated() {
    try (TestEngine t = new TestEngine(b -> b.pulseTtl(Duration.ofDays(7)))) {
      Setup s = setup(t);
      Pulse p = t.engine.pulses().pulse(key(s.agent()), "weekly");
      t.clock.set(p.at().plus(Duration.ofDays(7)));
      assertEquals(List.of(p), t.engine.pulses().history(s.operator(), id(s.agent()), 10));
      assertEquals(0, t.engine.pulses().sweepExpired());
      t.clock.advance(Duration.ofNanos(1));
      assertEquals(List.of(), t.engine.pulses().history(s.operator(), id(s.agent()), 10));
      assertEquals(1, t.engine.pulses().sweepExpired());
      assertEquals(Optional.of(p), t.engine.pulses().latest(s.operator(), id(s.agent())));
    }
    for (Duration bad : List.of(Duration.ofMinutes(59), Duration.ZERO, Duration.ofDays(3651))) {
      assertThrows(IllegalArgumentException.class, () -> new TestEngine(b -> b.pulseTtl(bad)).close(), bad.toString());
    }
  }

  @Test
  @Tag("U1")
  void theAutomaticSweep_runsFromThePulsePath_atMostOncePerHourOfClockTime() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      AgentId agent = id(s.agent());
      DucklingId op = s.agent().bond().operator();
      Instant t0 = t.clock.instant();
      // history an earlier engine left behind, already past the TTL
      Pulse leftover = new Pulse(agent, op, t0.minus(TTL).minusSeconds(1), "leftover");
      t.storage.recordPulse(leftover);

      Pulse first = t.engine.pulses().pulse(key(s.agent()), "first"); // the first pulse sweeps
      assertEquals(List.of(first), t.storage.pulseHistory(agent, 10), "swept on the first pulse");

      Pulse stray = new Pulse(agent, op, t0.minus(TTL).minusSeconds(2), "stray");
      t.storage.recordPulse(stray);
      t.clock.advance(Duration.ofMinutes(59).plusSeconds(59));
      Pulse second = t.engine.pulses().pulse(key(s.agent()), "second");
      assertEquals(List.of(second, first, stray), t.storage.pulseHistory(agent, 10), "no sweep within the hour");
      assertEquals(List.of(second, first), t.engine.pulses().history(s.operator(), agent, 10), "but it is hidden");

      t.clock.set(t0.plus(Duration.ofHours(1)));
      Pulse third = t.engine.pulses().pulse(key(s.agent()), "third");
      assertEquals(List.of(third, second, first), t.storage.pulseHistory(agent, 10), "swept an hour after the last sweep");
    }
  }

  // ------------------------------------------------------------------ U2 stale listing

  @Test
  @Tag("U2")
  void stale_listsNeverPulsedAgents_andAgentsSilentForLongerThanTheThreshold() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      BondResult quiet = t.bond(s.operator(), "Quiet", Tier.T1);
      BondResult late = t.bond(s.operator(), "Late", Tier.T0);
      Instant t0 = t.clock.instant();
      Pulse scoutPulse = t.engine.pulses().pulse(key(s.agent()), "up");
      t.clock.advance(Duration.ofMinutes(2));
      Pulse latePulse = t.engine.pulses().pulse(key(late), "up");

      t.clock.set(t0.plus(STALE)); // the scout is exactly at the threshold: not stale
      List<StaleAgent> atThreshold = t.engine.pulses().stale(s.operator());
      assertEquals(List.of(new StaleAgent(id(quiet), quiet.bond().id(), Optional.empty())), atThreshold, "never pulsed");

      t.clock.set(t0.plus(STALE).plusNanos(1));
      List<StaleAgent> justPast = t.engine.pulses().stale(s.operator());
      assertEquals(
          Set.of(new StaleAgent(id(quiet), quiet.bond().id(), Optional.empty()),
              new StaleAgent(id(s.agent()), s.agent().bond().id(), Optional.of(scoutPulse))),
          Set.copyOf(justPast));
      assertEquals(2, justPast.size());

      t.clock.set(latePulse.at().plus(STALE).plusNanos(1));
      assertEquals(Set.of(id(quiet), id(s.agent()), id(late)), staleIds(t.engine.pulses().stale(s.operator())));

      t.engine.pulses().pulse(key(quiet), "finally");
      assertEquals(Set.of(id(s.agent()), id(late)), staleIds(t.engine.pulses().stale(s.operator())), "a fresh pulse is not stale");
    }
  }

  @Test
  @Tag("U2")
  void stale_takesACustomThreshold_perCallOrConfigured() {
    try (TestEngine t = new TestEngine(b -> b.staleThreshold(Duration.ofMinutes(1)))) {
      Setup s = setup(t);
      Pulse p = t.engine.pulses().pulse(key(s.agent()), "up");
      t.clock.set(p.at().plus(Duration.ofMinutes(1)));
      assertEquals(List.of(), t.engine.pulses().stale(s.operator()), "configured threshold, at the boundary");
      t.clock.advance(Duration.ofNanos(1));
      assertEquals(Set.of(id(s.agent())), staleIds(t.engine.pulses().stale(s.operator())), "configured threshold, past it");
      assertEquals(List.of(), t.engine.pulses().stale(s.operator(), Duration.ofHours(1)), "a longer threshold per call");
      t.clock.set(p.at().plus(Duration.ofHours(1)).plusNanos(1));
      assertEquals(Set.of(id(s.agent())), staleIds(t.engine.pulses().stale(s.operator(), Duration.ofHours(1))));

      for (Duration bad : List.of(Duration.ZERO, Duration.ofSeconds(-1))) {
        InvalidInput e = assertThrows(InvalidInput.class, () -> t.engine.pulses().stale(s.operator(), bad));
        assertEquals("threshold", e.field());
      }
    }
    assertThrows(IllegalArgumentException.class, () -> new TestEngine(b -> b.staleThreshold(Duration.ZERO)).close());
  }

  @Test
  @Tag("U2")
  @Tag("B3")
  void stale_excludesRevokedBondsAndBlockedOrDeletedAgents_andListsOnlyTheCallersAgents() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      BondResult revoked = t.bond(s.operator(), "Revoked", Tier.T1);
      BondResult blocked = t.bond(s.operator(), "Blocked", Tier.T1);
      BondResult deleted = t.bond(s.operator(), "Deleted", Tier.T1);
      BondResult othersAgent = t.bond(s.otherOperator(), "Foreign", Tier.T1);
      t.clock.advance(Duration.ofHours(1));
      assertEquals(
          Set.of(id(s.agent()), id(revoked), id(blocked), id(deleted)), staleIds(t.engine.pulses().stale(s.operator())), "before");

      t.engine.bonds().revoke(s.operator(), revoked.bond().id(), ReasonCode.NO_LONGER_NEEDED);
      t.engine.blocks().blockPlatformWide(s.admin(), id(blocked), ReasonCode.POLICY_VIOLATION);
      // no API deletes a single agent today; the listing must still skip one in DELETED state
      t.storage.execute(tx -> {
        Versioned<Identity> row = tx.get(Tables.IDENTITIES, id(deleted).value()).orElseThrow();
        tx.update(Tables.IDENTITIES, row, ((Agent) row.value()).withStatus(IdentityStatus.DELETED));
        return null;
      });

      List<StaleAgent> mine = t.engine.pulses().stale(s.operator());
      assertEquals(List.of(new StaleAgent(id(s.agent()), s.agent().bond().id(), Optional.empty())), mine);
      assertEquals(Set.of(id(othersAgent)), staleIds(t.engine.pulses().stale(s.otherOperator())), "only the caller's agents");
      assertEquals(List.of(), t.engine.pulses().stale(s.admin()), "an admin lists its own agents: none");
      assertEquals(List.of(), t.engine.pulses().stale(t.hatch("Dora").key().key()), "a T1 duckling without agents");
      assertThrows(Forbidden.class, () -> t.engine.pulses().stale(key(s.agent())), "agents do not list stale agents");
    }
  }

  // ------------------------------------------------------------------ U3 cheap and unaudited, but rate-limited

  @Test
  @Tag("U3")
  @Tag("I4")
  void pulses_addNoAuditEvent_andWriteNoUnit() {
    WriteRecordingStorage recording = new WriteRecordingStorage(new InMemoryStorage());
    try (TestEngine t = new TestEngine(recording.storage(), TestEngine.newKek(), b -> {})) {
      Setup s = setup(t);
      long before = head(t);
      recording.reset();
      for (int i = 0; i < 20; i++) {
        t.clock.advance(Duration.ofSeconds(10));
        t.engine.pulses().pulse(key(s.agent()), "beat " + i);
      }
      t.engine.pulses().history(s.operator(), id(s.agent()), 100);
      t.engine.pulses().stale(s.operator());
      t.engine.pulses().sweepExpired();

      assertEquals(before, head(t), "pulses are not audited (U3)");
      assertEquals(List.of(), recording.writes, "no governance unit wrote anything");
      assertEquals(List.of(), recording.drafts, "no audit draft either");
      assertEquals(20, t.storage.pulseHistory(id(s.agent()), 100).size(), "yet every pulse was recorded");
      assertTrue(t.engine.audit().verify(s.admin()).valid());
    }
  }

  @Test
  @Tag("U3")
  @Tag("R1")
  void pulses_areRateLimitedLikeEveryAuthenticatedCall() {
    Map<Tier, RateLimits.Bucket> perTier = new EnumMap<>(Tier.class);
    RateLimits.Bucket big = new RateLimits.Bucket(1_000_000, 1_000_000);
    perTier.put(Tier.T0, new RateLimits.Bucket(3, 1));
    perTier.put(Tier.T1, new RateLimits.Bucket(3, 1));
    perTier.put(Tier.T2, big);
    perTier.put(Tier.T3, big);
    try (TestEngine t = new TestEngine(b -> b.rateLimits(new RateLimits(perTier, big)))) {
      Setup s = setup(t);
      for (int i = 0; i < 3; i++) {
        t.engine.pulses().pulse(key(s.agent()), "beat " + i);
      }
      RateLimited limited = assertThrows(RateLimited.class, () -> t.engine.pulses().pulse(key(s.agent()), "one too many"));
      assertTrue(limited.retryAfter().compareTo(Duration.ZERO) > 0);
      assertEquals(3, t.storage.pulseHistory(id(s.agent()), 10).size(), "the refused pulse was not recorded");
      assertEquals("beat 2", t.storage.latestPulse(id(s.agent())).orElseThrow().status());

      t.clock.advance(limited.retryAfter());
      assertEquals("after waiting", t.engine.pulses().pulse(key(s.agent()), "after waiting").status());
    }
  }

  // ------------------------------------------------------------------ status validation

  static Stream<Arguments> invalidStatuses() {
    return Stream.of(
        Arguments.of("257 characters", "x".repeat(257)),
        Arguments.of("257 emoji", "🦆".repeat(257)),
        Arguments.of("far too long", "y".repeat(5000)),
        Arguments.of("empty", ""),
        Arguments.of("blank", "   "),
        Arguments.of("only line breaks and tabs", "\n\t\r\n"),
        Arguments.of("NUL", "ok\u0000"),
        Arguments.of("bell", "ring\u0007ring"),
        Arguments.of("embedded newline", "line one\nline two"),
        Arguments.of("escape sequence", "\u001b[31mred"),
        Arguments.of("DEL", "del\u007f"),
        Arguments.of("C1 control", "next\u0085line"),
        Arguments.of("bidi override U+202E", "ok \u202egnp.exe"),
        Arguments.of("bidi isolate U+2066", "a\u2066b"),
        Arguments.of("zero-width space U+200B", "a\u200bb"),
        Arguments.of("zero-width joiner alone", "\u200d"),
        Arguments.of("byte order mark", "\ufeffok"),
        Arguments.of("line separator U+2028", "a\u2028b"),
        Arguments.of("lone high surrogate", "ok \ud83e"),
        Arguments.of("lone low surrogate", "\udd86 ok"),
        Arguments.of("reversed surrogate pair", "\udd86\ud83e"),
        Arguments.of("private use", "\ue000"),
        Arguments.of("unassigned code point", "\u0378"),
        Arguments.of("noncharacter", "\uffff"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidStatuses")
  @Tag("U1")
  @Tag("D2")
  void malformedStatus_isInvalidInputNamingStatus_andNothingIsRecorded(String what, String status) {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      InvalidInput e = assertThrows(InvalidInput.class, () -> t.engine.pulses().pulse(key(s.agent()), status), what);
      assertEquals("status", e.field(), what);
      assertTrue(e.getMessage().startsWith("status: "), e.getMessage());
      if (!status.isBlank()) {
        assertFalse(e.getMessage().contains(status), "the message never echoes the value");
      }
      assertEquals(Optional.empty(), t.storage.latestPulse(id(s.agent())), what + " was recorded");
    }
  }

  static Stream<Arguments> validStatuses() {
    return Stream.of(
        Arguments.of("ok", "ok"),
        Arguments.of("emoji", "🦆 quacking 🚀"),
        Arguments.of("skin tone and variation selector", "👍🏽 ❤️ 1️⃣"),
        Arguments.of("accented Latin", "Café crème, naïve façade — déjà vu"),
        Arguments.of("combining accent", "e\u0301te\u0301"),
        Arguments.of("CJK and astral CJK", "名前 𠮷野家"),
        Arguments.of("Arabic", "مرحبا"),
        Arguments.of("exactly 256 characters", "z".repeat(256)),
        Arguments.of("exactly 256 emoji (512 chars)", "🦆".repeat(256)),
        Arguments.of("padded (stripped)", "  padded  "),
        Arguments.of("punctuation", "load=0.93; queue<5> & \"fine\" 100%"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validStatuses")
  @Tag("U1")
  void wellFormedStatus_isAcceptedAndStoredStripped(String what, String status) {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      Pulse p = t.engine.pulses().pulse(key(s.agent()), status);
      assertEquals(status.strip(), p.status(), what);
      assertEquals(Optional.of(p), t.storage.latestPulse(id(s.agent())), what);
    }
  }

  @Test
  @Tag("U1")
  @Tag("K4")
  void revokedAgentKeys_cannotPulse() {
    try (TestEngine t = new TestEngine()) {
      Setup s = setup(t);
      t.engine.keys().revoke(s.operator(), s.agent().key().info().id(), ReasonCode.COMPROMISED);
      assertThrows(Unauthenticated.class, () -> t.engine.pulses().pulse(key(s.agent()), "still here?"));
      assertEquals(Optional.empty(), t.storage.latestPulse(id(s.agent())));
      assertEquals(List.of(), t.storage.pulseHistory(id(s.agent()), 10));
    }
  }
}
