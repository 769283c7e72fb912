package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.CertId;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pecks;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.RuleId;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.StandingRule;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.core.PeckFixture.Ag;
import io.spaceduck.core.PeckFixture.Op;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input on every Peck Protocol entry point gives the documented refusal and never another
 * exception: malformed scopes, durations and page sizes are {@link InvalidInput} (naming the field,
 * audited nowhere, changing nothing); well-formed unknown ids are {@link NotFound}; malformed ids are
 * caller mistakes refused by the id types ({@link IllegalArgumentException}); anything that is not a
 * live session token is {@link Unauthenticated}; {@code null} is a {@link NullPointerException}.
 */
class PeckInputProperties {
  private static final String SCOPE_FIRST = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final String SCOPE_REST = SCOPE_FIRST + ":._-";
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  // one T3-enabled engine for the whole container; every try adds to it
  private static PeckFixture f;
  private static Pecks pecks;
  private static Op opA;
  private static Op opB;
  private static Ag a1;
  private static Ag b1;
  private static Ag b3;
  private static Peck active;
  private static String goodToken;

  @BeforeContainer
  static void open() {
    f = new PeckFixture(TestEngine.t3());
    pecks = f.pecks;
    opA = f.operator("A");
    opB = f.operator("B");
    a1 = f.agent(opA, "a1", Tier.T1);
    b1 = f.agent(opB, "b1", Tier.T1);
    Ag t3 = f.agent(opB, "b3", Tier.T1);
    CertId t3cert = f.engine.identities().promote(opB.key(), t3.id(), Tier.T3).id();
    b3 = new Ag(t3.id(), t3.key(), t3.keyId(), t3cert, t3.bond(), t3.operator(), Tier.T3);
    active = f.active(a1, b1, opB.key());
    goodToken = pecks.session(a1.key(), active.id()).token().reveal();
  }

  @AfterContainer
  static void close() {
    f.close();
  }

  // ------------------------------------------------------------------ arbitraries

  private static Arbitrary<String> goodToken() {
    return Combinators.combine(
            Arbitraries.strings().withChars(SCOPE_FIRST.toCharArray()).ofLength(1),
            Arbitraries.strings().withChars(SCOPE_REST.toCharArray()).ofMaxLength(63))
        .as(String::concat);
  }

  /** A token that breaks {@code [a-z0-9][a-z0-9:._-]{0,63}}. */
  private static Arbitrary<String> badToken() {
    return Arbitraries.oneOf(
        Arbitraries.of("", " ", "Chat", "chat read", "chat\tread", "-chat", ":chat", ".chat", "_chat", "chat\n",
            "ch\u00E4t", "\u0441hat", "chat\u200B", "\uD83E\uDD86", "chat/read", "chat*", "chat,read", "\u0000",
            "a".repeat(65), "b" + "-".repeat(64)),
        goodToken().map(String::toUpperCase).filter(s -> !s.equals(s.toLowerCase())),
        Combinators.combine(goodToken(), Arbitraries.of(" ", "A", "Z", "\u00E9", "\u0130", "/", "\\", "@", "\u202E"))
            .as((t, c) -> t + c),
        Arbitraries.strings().withChars(SCOPE_REST.toCharArray()).ofMinLength(65).ofMaxLength(200).map(s -> "a" + s),
        Arbitraries.strings().all().ofMinLength(1).ofMaxLength(20)
            .filter(s -> !s.matches("[a-z0-9][a-z0-9:._-]{0,63}")));
  }

  @Provide
  Arbitrary<Set<String>> goodScopes() {
    return goodToken().set().ofMinSize(1).ofMaxSize(16);
  }

  @Provide
  Arbitrary<Set<String>> badScopes() {
    return Arbitraries.oneOf(
        Arbitraries.just(Set.of()),
        goodToken().set().ofMinSize(17).ofMaxSize(40),
        Combinators.combine(goodToken().set().ofMaxSize(15), badToken())
            .as((good, bad) -> {
              Set<String> s = new HashSet<>(good);
              s.add(bad);
              return Set.copyOf(s);
            }));
  }

  @Provide
  Arbitrary<Duration> goodDurations() {
    return Arbitraries.longs().between(60, 30L * 24 * 3600).map(Duration::ofSeconds);
  }

  @Provide
  Arbitrary<Duration> badDurations() {
    return Arbitraries.oneOf(
        Arbitraries.of(Duration.ZERO, Duration.ofNanos(1), Duration.ofSeconds(59), Duration.ofMinutes(1).minusNanos(1),
            Duration.ofNanos(-1), Duration.ofMinutes(-1), Duration.ofDays(-31), Duration.ofDays(30).plusNanos(1),
            Duration.ofDays(31), Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MIN_VALUE)),
        Arbitraries.longs().between(0, 59_999).map(Duration::ofMillis),
        Arbitraries.longs().between(Long.MIN_VALUE / 2, -1).map(Duration::ofMillis),
        Arbitraries.longs().between(30L * 24 * 3600 + 1, Long.MAX_VALUE / 2).map(Duration::ofSeconds));
  }

  /** Strings that are not well-formed ids of the given prefix. */
  private static Arbitrary<String> malformedIds(String prefix, Function<String, Boolean> valid) {
    Arbitrary<String> body = Arbitraries.strings().withChars(BASE32.toCharArray()).ofMinLength(16).ofMaxLength(40);
    return Arbitraries.oneOf(
            Arbitraries.strings().all().ofMaxLength(70),
            body,
            body.map(b -> prefix.toUpperCase() + b),
            body.map(b -> prefix + b.toUpperCase()),
            body.map(b -> prefix + b + "1"),
            body.map(b -> prefix + b.substring(0, 15)),
            body.map(b -> prefix + b + "a".repeat(30)),
            body.map(b -> prefix + b.replace('a', '8')),
            body.map(b -> "  " + prefix + b),
            body.map(b -> prefix + b + "\u0000"),
            Arbitraries.of("", prefix, prefix + "_", "xx_" + "a".repeat(20)))
        .filter(s -> !valid.apply(s));
  }

  private static Arbitrary<String> wellFormed(String prefix) {
    return Arbitraries.strings().withChars(BASE32.toCharArray()).ofMinLength(16).ofMaxLength(40).map(b -> prefix + b);
  }

  // ------------------------------------------------------------------ scopes and durations

  @Property(tries = 200)
  @Tag("P1")
  @Label("P1 a request with a malformed scope is InvalidInput, audited nowhere, changing nothing")
  void badScope_request_invalidInput(@ForAll("badScopes") Set<String> scope) {
    assertInvalid("scope", () -> pecks.request(a1.key(), PeckRequest.of(b1.cert(), scope, PeckFixture.HOUR)));
  }

  @Property(tries = 200)
  @Tag("P1")
  @Label("P1 a request with a duration outside 1 min..30 days is InvalidInput")
  void badDuration_request_invalidInput(@ForAll("badDurations") Duration d) {
    assertInvalid("duration", () -> pecks.request(a1.key(), PeckRequest.of(b1.cert(), PeckFixture.SCOPE, d)));
  }

  @Property(tries = 100)
  @Tag("P1")
  @Label("P1 a well-formed scope and duration are accepted as given")
  void goodScopeAndDuration_request_accepted(@ForAll("goodScopes") Set<String> scope, @ForAll("goodDurations") Duration d) {
    Peck p = pecks.request(a1.key(), PeckRequest.of(b1.cert(), scope, d));
    assertEquals(PeckState.REQUESTED, p.state());
    assertEquals(scope, p.scope());
    assertEquals(d, p.duration());
    pecks.close(a1.key(), p.id(), ReasonCode.NO_LONGER_NEEDED); // keep the inbox small
  }

  @Property(tries = 200)
  @Tag("P4")
  @Label("P4 a standing rule with a malformed scope is InvalidInput")
  void badScope_standingRule_invalidInput(@ForAll("badScopes") Set<String> scope) {
    assertInvalid("scope", () -> pecks.addStandingRule(opB.key(), b3.id(), scope, PeckFixture.HOUR));
  }

  @Property(tries = 200)
  @Tag("P4")
  @Label("P4 a standing rule with a duration outside 1 min..30 days is InvalidInput")
  void badDuration_standingRule_invalidInput(@ForAll("badDurations") Duration d) {
    assertInvalid("duration", () -> pecks.addStandingRule(opB.key(), b3.id(), PeckFixture.SCOPE, d));
  }

  @Property(tries = 50)
  @Tag("P4")
  @Label("P4 a well-formed standing rule is added as given")
  void goodStandingRule_added(@ForAll("goodScopes") Set<String> scope, @ForAll("goodDurations") Duration d) {
    StandingRule r = pecks.addStandingRule(opB.key(), b3.id(), scope, d);
    assertEquals(scope, r.scope());
    assertEquals(d, r.maxDuration());
    pecks.removeStandingRule(opB.key(), r.id());
  }

  @Example
  @Tag("P4")
  @Label("P4 a null scope token in a standing rule is InvalidInput; in a PeckRequest a caller mistake")
  void nullScopeToken() {
    Set<String> withNull = new HashSet<>(Arrays.asList("chat:read", null));
    assertInvalid("scope", () -> pecks.addStandingRule(opB.key(), b3.id(), withNull, PeckFixture.HOUR));
    // the request record copies its scope with Set.copyOf: a null token never reaches the engine
    assertThrows(NullPointerException.class, () -> PeckRequest.of(b1.cert(), withNull, PeckFixture.HOUR));
  }

  /** InvalidInput naming {@code field}, never echoing a value, with no audit event and no new peck. */
  private static void assertInvalid(String field, Executable call) {
    long head = f.head();
    int inbox = pecks.inbox(b1.key(), Optional.empty(), 100).size();
    InvalidInput e = assertThrows(InvalidInput.class, call);
    assertEquals(field, e.field());
    assertEquals(head, f.head(), "an InvalidInput refusal appended an audit event");
    assertEquals(inbox, pecks.inbox(b1.key(), Optional.empty(), 100).size(), "an InvalidInput refusal created a peck");
  }

  // ------------------------------------------------------------------ ids

  @Property(tries = 200)
  @Tag("P1")
  @Label("P1 a malformed certificate id is refused by CertId itself (IllegalArgumentException)")
  void malformedCertId_isACallerMistake(@ForAll("malformedCertIds") String s) {
    assertThrows(IllegalArgumentException.class, () -> new CertId(s));
  }

  @Provide
  Arbitrary<String> malformedCertIds() {
    return malformedIds(CertId.PREFIX, CertId::isValid);
  }

  @Property(tries = 100)
  @Tag("P1")
  @Label("P1 a well-formed unknown certificate id is NotFound")
  void unknownCertId_notFound(@ForAll("unknownCertIds") String s) {
    CertId id = new CertId(s);
    long head = f.head();
    assertThrows(NotFound.class, () -> pecks.request(a1.key(), PeckRequest.of(id, PeckFixture.SCOPE, PeckFixture.HOUR)));
    assertEquals(head, f.head());
  }

  @Provide
  Arbitrary<String> unknownCertIds() {
    return wellFormed(CertId.PREFIX);
  }

  @Property(tries = 200)
  @Tag("P3")
  @Label("P3 a malformed peck id is refused by PeckId itself (IllegalArgumentException)")
  void malformedPeckId_isACallerMistake(@ForAll("malformedPeckIds") String s) {
    assertThrows(IllegalArgumentException.class, () -> new PeckId(s));
  }

  @Provide
  Arbitrary<String> malformedPeckIds() {
    return malformedIds(PeckId.PREFIX, PeckId::isValid);
  }

  @Provide
  Arbitrary<String> unknownPeckIds() {
    return wellFormed(PeckId.PREFIX);
  }

  @Property(tries = 100)
  @Tag("P3")
  @Tag("P4")
  @Tag("P5")
  @Label("P3–P5 a well-formed unknown peck id is NotFound on every entry point, for every caller")
  void unknownPeckId_notFoundEverywhere(@ForAll("unknownPeckIds") String s, @ForAll @IntRange(max = 3) int who) {
    PeckId id = new PeckId(s);
    BeakKey caller = List.of(a1.key(), b1.key(), opB.key(), f.adminKey).get(who);
    long head = f.head();
    List<Executable> calls = List.of(
        () -> pecks.accept(caller, id),
        () -> pecks.decline(caller, id, ReasonCode.NONE),
        () -> pecks.approve(caller, id),
        () -> pecks.reject(caller, id, ReasonCode.NONE),
        () -> pecks.close(caller, id, ReasonCode.NONE),
        () -> pecks.get(caller, id),
        () -> pecks.session(caller, id));
    for (Executable c : calls) {
      assertThrows(NotFound.class, c);
    }
    assertEquals(head, f.head(), "NotFound is audited nowhere");
  }

  @Property(tries = 50)
  @Tag("P4")
  @Label("P4 unknown agents and rules are NotFound for standing rules")
  void unknownAgentOrRule_notFound(@ForAll("unknownAgentIds") String agent, @ForAll("unknownRuleIds") String rule) {
    assertThrows(NotFound.class,
        () -> pecks.addStandingRule(opB.key(), new AgentId(agent), PeckFixture.SCOPE, PeckFixture.HOUR));
    assertThrows(NotFound.class, () -> pecks.removeStandingRule(opB.key(), new RuleId(rule)));
  }

  @Provide
  Arbitrary<String> unknownAgentIds() {
    return wellFormed(AgentId.PREFIX);
  }

  @Provide
  Arbitrary<String> unknownRuleIds() {
    return wellFormed(RuleId.PREFIX);
  }

  // ------------------------------------------------------------------ session tokens

  @Provide
  Arbitrary<String> notASessionToken() {
    String[] parts = goodToken.split("\\.");
    Arbitrary<String> b64 = Arbitraries.strings().withChars(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray()).ofMaxLength(400);
    Arbitrary<Integer> at = Arbitraries.integers().between(0, goodToken.length() - 1);
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(300),
        Arbitraries.strings().all().ofMinLength(4000).ofMaxLength(6000),
        Combinators.combine(b64, b64, b64).as((h, p, s) -> h + "." + p + "." + s),
        Combinators.combine(b64, b64).as((p, s) -> parts[0] + "." + p + "." + s),
        b64.map(s -> parts[0] + "." + parts[1] + "." + s),
        Combinators.combine(at, Arbitraries.chars().with("AZaz09-_.=+/ ".toCharArray()))
            .as((i, c) -> goodToken.substring(0, i) + c + goodToken.substring(i + 1)),
        at.map(i -> goodToken.substring(0, i)),
        Combinators.combine(at, Arbitraries.chars().with("Aa0.-_".toCharArray()))
            .as((i, c) -> goodToken.substring(0, i) + c + goodToken.substring(i)),
        Arbitraries.integers().between(1, 5000).map(n -> goodToken + "A".repeat(n)),
        Arbitraries.just(goodToken + "." + parts[2]),
        Arbitraries.just(b64("{\"alg\":\"none\",\"typ\":\"sd-peck+jwt\"}") + "." + parts[1] + "."),
        Arbitraries.just(b64("{\"alg\":\"HS256\",\"typ\":\"sd-peck+jwt\"}") + "." + parts[1] + "." + parts[2]));
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Whether {@code candidate} decodes to exactly the good token's bytes (a non-canonical re-encoding). */
  private static boolean sameBytesAsGoodToken(String candidate) {
    String[] c = candidate.split("\\.", -1);
    String[] g = goodToken.split("\\.", -1);
    if (c.length != 3) {
      return false;
    }
    try {
      for (int i = 0; i < 3; i++) {
        if (!Arrays.equals(Base64.getUrlDecoder().decode(c[i]), Base64.getUrlDecoder().decode(g[i]))) {
          return false;
        }
      }
      return true;
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

  @Property(tries = 300)
  @Tag("P5")
  @Label("P5 anything but a live session token is Unauthenticated, never another exception")
  void garbledOrOversizedToken_unauthenticated(@ForAll("notASessionToken") String raw) {
    Assume.that(!raw.equals(goodToken) && !sameBytesAsGoodToken(raw));
    assertThrows(Unauthenticated.class, () -> pecks.verifySession(SessionToken.of(raw)));
  }

  @Example
  @Tag("P5")
  @Label("P5 the untouched token still verifies (the generator's control)")
  void goodToken_verifies() {
    assertEquals(a1.id(), pecks.verifySession(SessionToken.of(goodToken)).subject());
  }

  // ------------------------------------------------------------------ page sizes

  @Property(tries = 100)
  @Tag("P3")
  @Tag("P4")
  @Label("P3/P4 a page size outside 1..100 is InvalidInput; inside it is honoured")
  void pageSize(@ForAll @IntRange(min = -1000, max = 1000) int limit, @ForAll boolean approvals) {
    Executable call = approvals
        ? () -> pecks.pendingApprovals(opB.key(), Optional.empty(), limit)
        : () -> pecks.inbox(b1.key(), Optional.empty(), limit);
    if (limit < 1 || limit > 100) {
      assertEquals("limit", assertThrows(InvalidInput.class, call).field());
    } else {
      List<Peck> page = approvals
          ? pecks.pendingApprovals(opB.key(), Optional.empty(), limit)
          : pecks.inbox(b1.key(), Optional.empty(), limit);
      assertTrue(page.size() <= limit);
    }
  }

  @Example
  @Tag("P3")
  @Label("P3 page sizes 0 and 101 are InvalidInput, 1 and 100 are fine")
  void pageSizeEdges() {
    for (int bad : new int[] {0, 101, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
      assertThrows(InvalidInput.class, () -> pecks.inbox(b1.key(), Optional.empty(), bad));
      assertThrows(InvalidInput.class, () -> pecks.pendingApprovals(opB.key(), Optional.empty(), bad));
    }
    for (int good : new int[] {1, 100}) {
      pecks.inbox(b1.key(), Optional.empty(), good);
      pecks.pendingApprovals(opB.key(), Optional.empty(), good);
    }
  }

  // ------------------------------------------------------------------ nulls

  @Example
  @Tag("P1")
  @Tag("P3")
  @Tag("P4")
  @Tag("P5")
  @Label("P1–P5 null arguments are NullPointerExceptions on every entry point")
  void nullArguments() {
    BeakKey k = a1.key();
    BeakKey op = opB.key();
    PeckId id = active.id();
    PeckRequest r = PeckFixture.req(b1);
    ReasonCode why = ReasonCode.NONE;
    long head = f.head();
    List<Executable> calls = new ArrayList<>(List.of(
        () -> pecks.request(null, r),
        () -> pecks.request(k, null),
        () -> pecks.inbox(null, Optional.empty(), 10),
        () -> pecks.inbox(k, null, 10),
        () -> pecks.pendingApprovals(null, Optional.empty(), 10),
        () -> pecks.pendingApprovals(op, null, 10),
        () -> pecks.accept(null, id),
        () -> pecks.accept(b1.key(), null),
        () -> pecks.decline(null, id, why),
        () -> pecks.decline(b1.key(), null, why),
        () -> pecks.decline(b1.key(), id, null),
        () -> pecks.approve(null, id),
        () -> pecks.approve(op, null),
        () -> pecks.reject(null, id, why),
        () -> pecks.reject(op, null, why),
        () -> pecks.reject(op, id, null),
        () -> pecks.close(null, id, why),
        () -> pecks.close(k, null, why),
        () -> pecks.close(k, id, null),
        () -> pecks.get(null, id),
        () -> pecks.get(k, null),
        () -> pecks.session(null, id),
        () -> pecks.session(k, null),
        () -> pecks.verifySession(null),
        () -> pecks.addStandingRule(null, b3.id(), PeckFixture.SCOPE, PeckFixture.HOUR),
        () -> pecks.addStandingRule(op, null, PeckFixture.SCOPE, PeckFixture.HOUR),
        () -> pecks.addStandingRule(op, b3.id(), null, PeckFixture.HOUR),
        () -> pecks.addStandingRule(op, b3.id(), PeckFixture.SCOPE, null),
        () -> pecks.removeStandingRule(null, new RuleId(RuleId.PREFIX + "a".repeat(26))),
        () -> pecks.removeStandingRule(op, null),
        () -> SessionToken.of(null),
        () -> new PeckRequest(null, PeckFixture.SCOPE, PeckFixture.HOUR, Optional.empty()),
        () -> new PeckRequest(b1.cert(), null, PeckFixture.HOUR, Optional.empty()),
        () -> new PeckRequest(b1.cert(), PeckFixture.SCOPE, null, Optional.empty()),
        () -> new PeckRequest(b1.cert(), PeckFixture.SCOPE, PeckFixture.HOUR, null)));
    for (int i = 0; i < calls.size(); i++) {
      int n = i;
      assertThrows(NullPointerException.class, calls.get(i), () -> "call #" + n);
    }
    assertEquals(head, f.head(), "no null argument appended an audit event");
    assertEquals(PeckState.ACTIVE, pecks.get(f.adminKey, id).state(), "and none changed the peck");
    assertFalse(pecks.inbox(b1.key(), Optional.empty(), 100).stream().anyMatch(p -> p.state() != PeckState.REQUESTED));
  }
}
