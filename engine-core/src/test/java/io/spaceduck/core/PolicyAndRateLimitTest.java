package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityKind;
import io.spaceduck.api.Permission;
import io.spaceduck.api.Policy;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Policy as data that may only tighten, per-caller rate limits (R1), and the recorded engine version. */
class PolicyAndRateLimitTest {

  private static List<AuditEvent> events(TestEngine t) {
    return t.storage.auditRange(1, 10_000);
  }

  // ------------------------------------------------------------------ Policy

  @Test
  @Tag("I1")
  void policyBuilder_refusesEveryLoosening() {
    IllegalArgumentException lowerTier =
        assertThrows(IllegalArgumentException.class, () -> Policy.builder().requireTier(Permission.LOOKUP_CERT, Tier.T0).build());
    assertTrue(lowerTier.getMessage().contains("LOOKUP_CERT"), lowerTier.getMessage());

    assertThrows(IllegalArgumentException.class, () -> Policy.builder().requireTier(Permission.BOND_AGENT, Tier.T1).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> Policy.builder().rule(Permission.REPLACE_KEY, new Policy.Rule(Tier.T2, Set.of(IdentityKind.DUCKLING), false)).build(),
        "dropping admin-only loosens");
    assertThrows(
        IllegalArgumentException.class,
        () -> Policy.builder().rule(Permission.BOND_AGENT, new Policy.Rule(Tier.T2, Set.of(IdentityKind.DUCKLING, IdentityKind.AGENT), false)).build(),
        "letting agents bond loosens");
    // one loosening among tightenings still fails
    assertThrows(
        IllegalArgumentException.class,
        () -> Policy.builder().requireTier(Permission.READ_SELF, Tier.T1).requireTier(Permission.PROMOTE, Tier.T1).build());
  }

  @Test
  @Tag("I1")
  void policyBuilder_acceptsTightenings() {
    Policy p =
        Policy.builder()
            .requireTier(Permission.LOOKUP_CERT, Tier.T2)
            .adminOnly(Permission.BOND_AGENT)
            .onlyKinds(Permission.MANAGE_OWN_KEYS, IdentityKind.DUCKLING)
            .build();

    assertEquals(Tier.T2, p.rule(Permission.LOOKUP_CERT).minTier());
    assertFalse(p.allows(Permission.LOOKUP_CERT, Tier.T1, IdentityKind.DUCKLING, false));
    assertFalse(p.allows(Permission.BOND_AGENT, Tier.T2, IdentityKind.DUCKLING, false));
    assertTrue(p.allows(Permission.BOND_AGENT, Tier.T2, IdentityKind.DUCKLING, true));
    assertFalse(p.allows(Permission.MANAGE_OWN_KEYS, Tier.T2, IdentityKind.AGENT, false));
    assertTrue(Policy.defaults().allows(Permission.LOOKUP_CERT, Tier.T1, IdentityKind.DUCKLING, false));
  }

  @Test
  @Tag("C4")
  @Tag("I1")
  void defaultPolicy_letsT1LookUpCertificates() {
    try (TestEngine t = new TestEngine()) {
      HatchResult alice = t.hatch("Alice");
      assertEquals(alice.certificate(), t.engine.certificates().get(alice.key().key(), alice.certificate().id()).certificate());
    }
  }

  @Test
  @Tag("C4")
  @Tag("I1")
  void tightenedPolicy_isEnforced_T1CannotLookUpCertificates_T2Can() {
    Policy tight = Policy.builder().requireTier(Permission.LOOKUP_CERT, Tier.T2).build();
    try (TestEngine t = new TestEngine(b -> b.policy(tight))) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult alice = t.hatch("Alice");
      BeakKey op = t.operator(admin, "Operator");

      Forbidden f = assertThrows(Forbidden.class, () -> t.engine.certificates().get(alice.key().key(), alice.certificate().id()));
      assertEquals(ErrorCode.FORBIDDEN, f.code());
      assertThrows(Forbidden.class, () -> t.engine.certificates().history(alice.key().key(), alice.duckling().id()));
      assertThrows(Forbidden.class, () -> t.engine.certificates().renderHtml(alice.key().key(), alice.certificate().id()));

      assertEquals(alice.certificate(), t.engine.certificates().get(op, alice.certificate().id()).certificate());
    }
  }

  @Test
  @Tag("B1")
  @Tag("A1")
  @Tag("I1")
  void tightenedPolicy_adminOnlyBonding_refusesAPlainOperator_andAuditsTheDenial() {
    Policy tight = Policy.builder().adminOnly(Permission.BOND_AGENT).build();
    try (TestEngine t = new TestEngine(b -> b.policy(tight))) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey op = t.operator(admin, "Operator");
      String opId = t.engine.authenticate(op).id().value();
      int before = events(t).size();

      assertThrows(Forbidden.class, () -> t.bond(op, "Scout", Tier.T1));

      List<AuditEvent> after = events(t).subList(before, events(t).size());
      assertEquals(1, after.size());
      assertEquals(AuditAction.BOND_CREATED.code(), after.get(0).action());
      assertEquals(AuditOutcome.DENIED, after.get(0).outcome());
      assertEquals(opId, after.get(0).actor());
      assertTrue(t.engine.bonds().list(op).isEmpty(), "nothing was bonded");

      BondResult byAdmin = t.bond(admin, "Admin's scout", Tier.T1);
      assertEquals(Tier.T1, byAdmin.agent().tier());
    }
  }

  // ------------------------------------------------------------------ R1

  /** T0/T1 callers get a bucket of 3 refilling at one per second; everything else is generous. */
  private static TestEngine smallT1Bucket() {
    return smallT1Bucket(false);
  }

  /** As above; with {@code bigFailureBuckets} failed authentications are not limited either. */
  private static TestEngine smallT1Bucket(boolean bigFailureBuckets) {
    Map<Tier, RateLimits.Bucket> perTier = new EnumMap<>(Tier.class);
    RateLimits.Bucket big = new RateLimits.Bucket(1_000_000, 1_000_000);
    perTier.put(Tier.T0, new RateLimits.Bucket(3, 1));
    perTier.put(Tier.T1, new RateLimits.Bucket(3, 1));
    perTier.put(Tier.T2, big);
    perTier.put(Tier.T3, big);
    RateLimits limits = bigFailureBuckets ? new RateLimits(perTier, big, big, big) : new RateLimits(perTier, big);
    return new TestEngine(b -> b.rateLimits(limits));
  }

  private static RateLimited assertLimited(Executable call) {
    RateLimited e = assertThrows(RateLimited.class, call);
    assertEquals(ErrorCode.RATE_LIMITED, e.code());
    assertTrue(e.retryAfter().compareTo(Duration.ZERO) > 0, "positive retry-after: " + e.retryAfter());
    assertTrue(e.retryAfter().compareTo(Duration.ofSeconds(1)) <= 0, "one token per second: " + e.retryAfter());
    return e;
  }

  @Test
  @Tag("R1")
  void theCallAfterTheBurst_isRateLimited_andTheBucketRefillsWithTheClock() {
    try (TestEngine t = smallT1Bucket()) {
      HatchResult a = t.hatch("Alice");
      BeakKey key = a.key().key();

      // reads and authentications all count: three calls, then the fourth is refused
      t.engine.authenticate(key);
      t.engine.certificates().get(key, a.certificate().id());
      t.engine.identities().get(key, a.duckling().id());
      RateLimited limited = assertLimited(() -> t.engine.authenticate(key));
      assertLimited(() -> t.engine.certificates().get(key, a.certificate().id()));

      // just before retry-after: still limited; at retry-after: one more call
      t.clock.advance(limited.retryAfter().minusMillis(1));
      assertLimited(() -> t.engine.authenticate(key));
      t.clock.advance(Duration.ofMillis(1));
      assertEquals(a.duckling().id(), t.engine.authenticate(key).id());
      assertLimited(() -> t.engine.authenticate(key));

      // a long pause refills to the burst size, not beyond
      t.clock.advance(Duration.ofMinutes(10));
      for (int i = 0; i < 3; i++) {
        t.engine.authenticate(key);
      }
      assertLimited(() -> t.engine.authenticate(key));
    }
  }

  @Test
  @Tag("R1")
  void limitsArePerIdentity_anotherCallerIsUnaffected() {
    try (TestEngine t = smallT1Bucket()) {
      HatchResult a = t.hatch("Alice");
      HatchResult b = t.hatch("Bob");
      for (int i = 0; i < 3; i++) {
        t.engine.authenticate(a.key().key());
      }
      assertLimited(() -> t.engine.authenticate(a.key().key()));

      for (int i = 0; i < 3; i++) {
        assertEquals(b.duckling().id(), t.engine.authenticate(b.key().key()).id());
      }
      assertLimited(() -> t.engine.authenticate(b.key().key()));
    }
  }

  @Test
  @Tag("R1")
  @Tag("K6")
  void failedAuthentications_doNotDrainTheKeyOwnersBucket() {
    // the failure limit per key id (AuthenticationFailureLimitTest) is lifted here: this is about the
    // owner's own per-tier bucket, which failures must not charge
    try (TestEngine t = smallT1Bucket(true)) {
      HatchResult a = t.hatch("Alice");
      String raw = a.key().key().reveal();
      BeakKey wrongSecret = BeakKey.of(raw.substring(0, 20) + "a".repeat(52));
      for (int i = 0; i < 20; i++) {
        assertThrows(Unauthenticated.class, () -> t.engine.authenticate(wrongSecret));
      }

      for (int i = 0; i < 3; i++) {
        t.engine.authenticate(a.key().key());
      }
      assertLimited(() -> t.engine.authenticate(a.key().key()));
    }
  }

  @Test
  @Tag("R1")
  @Tag("I4")
  void aRateLimitedGovernanceCall_changesNothing() {
    Map<Tier, RateLimits.Bucket> perTier = new EnumMap<>(Tier.class);
    RateLimits.Bucket big = new RateLimits.Bucket(1_000_000, 1_000_000);
    perTier.put(Tier.T0, big);
    perTier.put(Tier.T1, big);
    perTier.put(Tier.T2, new RateLimits.Bucket(3, 0.001));
    perTier.put(Tier.T3, big);
    try (TestEngine t = new TestEngine(b -> b.rateLimits(new RateLimits(perTier, big)))) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult alice = t.hatch("Alice");
      t.engine.identities().promote(admin, alice.duckling().id(), Tier.T2); // admin: 1 of 3
      BeakKey op = alice.key().key();
      t.bond(op, "One", Tier.T1); // operator: 1 of 3
      t.bond(op, "Two", Tier.T1); // 2 of 3
      t.bond(op, "Three", Tier.T1); // 3 of 3
      int before = events(t).size();

      assertThrows(RateLimited.class, () -> t.bond(op, "Four", Tier.T1));

      assertEquals(before, events(t).size(), "no audit event, no bond");
      t.clock.advance(Duration.ofHours(1)); // 3.6 tokens at 0.001/s
      assertEquals(3, t.engine.bonds().list(op).size());
    }
  }

  // ------------------------------------------------------------------ engine version

  @Test
  @Tag("C1")
  @Tag("A1")
  void engineVersion_isKnown_andRecordedInCertificatesAndAuditEvents() throws Exception {
    try (TestEngine t = new TestEngine()) {
      String version = t.engine.engineVersion();
      assertFalse(version.isBlank());
      assertFalse(version.equals("unknown"), "the version must be resolved from the build");
      assertFalse(version.contains("${"), "the resource must be filtered");
      assertTrue(version.matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"), version);

      BeakKey admin = t.bootstrap().key().key();
      HatchResult alice = t.hatch("Alice");
      t.engine.identities().promote(admin, alice.duckling().id(), Tier.T2);
      BondResult bot = t.bond(alice.key().key(), "Scout", Tier.T1);

      assertEquals(version, alice.certificate().engineVersion());
      assertEquals(version, bot.certificate().engineVersion());
      String claims =
          new String(Base64.getUrlDecoder().decode(bot.certificate().jws().split("\\.")[1]), StandardCharsets.UTF_8);
      assertTrue(claims.contains("\"engine_version\":\"" + version + "\""), claims);
      List<AuditEvent> events = events(t);
      assertEquals(4, events.size());
      assertTrue(events.stream().allMatch(e -> e.engineVersion().equals(version)));
    }
  }
}
