package io.spaceduck.core;

import static io.spaceduck.core.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code bonds()} facet on its own (B1–B3), through engine-api only: bonding an agent, reading and
 * listing bonds, revoking one; every refusal with its {@link ErrorCode}; the audit event of every
 * action and of every denied attempt (A1); who may do what by tier and role.
 */
class BondsTest {
  private static final BondId UNKNOWN_BOND = new BondId("bd_" + "a".repeat(26));

  /** An admin, two T2 operators, and a plain T1 duckling. */
  private record World(Cast cast, AuditTrail audit) implements Cast.Roles {
    BeakKey admin() {
      return adminKey();
    }
  }

  private static World world(TestEngine t) {
    Cast cast = Cast.hatch(t);
    return new World(cast, cast.auditTrail(t));
  }

  // ------------------------------------------------------------------ B1 bond

  @Test
  @Tag("B1")
  @Tag("A1")
  @Tag("I4")
  void bond_createsBondAgentCertificateAndFirstKeyTogether_andAuditsItOnce() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      t.clock.advance(Duration.ofMinutes(3));

      BondResult r = t.engine.bonds().bond(w.oliveKey(), "  Scout  ", Tier.T1);

      Bond bond = r.bond();
      assertEquals("Scout", bond.agentName(), "the name is normalised (stripped)");
      assertEquals(w.oliveId(), bond.operator());
      assertEquals(t.clock.instant(), bond.bondedAt());
      assertEquals(BondStatus.ACTIVE, bond.status());
      assertEquals(Optional.empty(), bond.revocation());
      assertEquals(bond.agent(), r.agent().id());
      assertEquals(bond.id(), r.agent().bond());
      assertEquals(w.oliveId(), r.agent().operator());
      assertEquals(Tier.T1, r.agent().tier());
      assertEquals(IdentityStatus.ACTIVE, r.agent().status());
      assertEquals(r.certificate().id(), r.agent().currentCert());

      BirthCertificate cert = r.certificate();
      assertEquals(r.agent().id(), cert.subject());
      assertEquals("Scout", cert.displayName());
      assertEquals(Tier.T1, cert.tier());
      assertEquals(Optional.of(w.oliveId()), cert.operator());
      assertEquals(Optional.empty(), cert.supersedes());
      assertEquals(cert, t.engine.certificates().verify(cert.jws()), "the certificate verifies (C2)");

      KeyInfo key = r.key().info();
      assertEquals(r.agent().id(), key.owner());
      assertEquals(Optional.of(bond.id()), key.bond());
      Principal agent = t.engine.authenticate(r.key().key());
      assertEquals(r.agent().id(), agent.id());
      assertEquals(Tier.T1, agent.tier());
      assertEquals(Optional.of(w.oliveId()), agent.operator());
      assertEquals(Optional.of(bond.id()), agent.bond());

      AuditEvent e = w.audit().success(AuditAction.BOND_CREATED, w.oliveId(), bond.id().value(), ReasonCode.NONE);
      assertEquals(Optional.of(w.oliveId().value()), e.scope());
      assertEquals(
          Map.of("agent_id", r.agent().id().value(), "tier", "T1", "cert_id", cert.id().value(), "key_id", key.id().value()),
          e.details());

      assertEquals(bond, t.engine.bonds().get(w.oliveKey(), bond.id()));
      assertEquals(List.of(bond), t.engine.bonds().list(w.oliveKey()));
    }
  }

  @Test
  @Tag("B1")
  @Tag("I1")
  @Tag("I7")
  @Tag("A1")
  void bond_atAnyTierUpToTheOperators_butT3OnlyWithTheFeature() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      for (Tier tier : List.of(Tier.T0, Tier.T1, Tier.T2)) {
        BondResult r = t.engine.bonds().bond(w.oliveKey(), "agent-" + tier, tier);
        assertEquals(tier, r.agent().tier());
        assertEquals(tier, t.engine.authenticate(r.key().key()).tier());
        w.audit().success(AuditAction.BOND_CREATED, w.oliveId(), r.bond().id().value(), ReasonCode.NONE);
      }

      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().bond(w.oliveKey(), "mighty", Tier.T3));

      w.audit().denied(AuditAction.BOND_CREATED, w.oliveId(), "bond");
      assertEquals(3, t.engine.bonds().list(w.oliveKey()).size(), "nothing of the refused bond exists");
    }
    try (TestEngine t = new TestEngine(TestEngine.t3())) {
      World w = world(t);
      BondResult r = t.engine.bonds().bond(w.oliveKey(), "mighty", Tier.T3);
      assertEquals(Tier.T3, r.certificate().tier(), "with T3_AUTOMATION on, a T2 operator grants autonomy");
      w.audit().success(AuditAction.BOND_CREATED, w.oliveId(), r.bond().id().value(), ReasonCode.NONE);
    }
  }

  @Test
  @Tag("B1")
  @Tag("A1")
  @Tag("I4")
  void bond_isForbidden_toAT1Duckling_toAgentsOfEveryTier_andAuditedAsDenied() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult egg = t.bond(w.oliveKey(), "egg", Tier.T0);
      BondResult t2agent = t.bond(w.oliveKey(), "senior", Tier.T2);
      w.audit().since();

      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().bond(w.dora().key().key(), "x", Tier.T0));
      w.audit().denied(AuditAction.BOND_CREATED, w.dora().duckling().id(), "bond");
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().bond(egg.key().key(), "x", Tier.T0));
      w.audit().denied(AuditAction.BOND_CREATED, egg.agent().id(), "bond");
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().bond(t2agent.key().key(), "x", Tier.T0));
      w.audit().denied(AuditAction.BOND_CREATED, t2agent.agent().id(), "bond");

      assertEquals(List.of(), t.engine.bonds().list(w.dora().key().key()));
      assertEquals(2, t.engine.bonds().list(w.oliveKey()).size());

      // the admin is a T2 duckling: it may operate agents of its own
      BondResult own = t.engine.bonds().bond(w.admin(), "admin-bot", Tier.T2);
      assertEquals(w.adminId(), own.bond().operator());
      w.audit().success(AuditAction.BOND_CREATED, w.adminId(), own.bond().id().value(), ReasonCode.NONE);
    }
  }

  @Test
  @Tag("B1")
  @Tag("I4")
  @Tag("K6")
  void bond_refusesAMalformedName_andAnUnknownKey_writingNothing() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      for (String name : List.of("", "   ", "a\u0000b", "x".repeat(10_000))) {
        InvalidInput e = refused(InvalidInput.class, ErrorCode.INVALID_INPUT, () -> t.engine.bonds().bond(w.oliveKey(), name, Tier.T1));
        assertTrue(e.getMessage().contains("agent_name"), e.getMessage());
      }
      BeakKey forged = BeakKey.of("bk_" + "a".repeat(69));
      Unauthenticated u = refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.bonds().bond(forged, "x", Tier.T1));
      assertEquals(Unauthenticated.MESSAGE, u.getMessage());

      w.audit().none("a malformed input or an unknown caller leaves no event");
      assertEquals(List.of(), t.engine.bonds().list(w.oliveKey()));
    }
  }

  @Test
  @Tag("B1")
  @Tag("K3")
  @Tag("A1")
  void bond_needsAnActiveKey_notOneInItsRotationGrace() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      IssuedKey fresh = t.engine.keys().rotate(w.oliveKey(), t.engine.authenticate(w.oliveKey()).keyId());
      w.audit().since();

      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().bond(w.oliveKey(), "late", Tier.T1));
      w.audit().denied(AuditAction.BOND_CREATED, w.oliveId(), "bond");

      BondResult r = t.engine.bonds().bond(fresh.key(), "on-time", Tier.T1);
      assertEquals(List.of(r.bond()), t.engine.bonds().list(fresh.key()));
    }
  }

  // ------------------------------------------------------------------ B2 revoke

  @Test
  @Tag("B2")
  @Tag("K4")
  @Tag("I3")
  @Tag("A1")
  void revoke_isImmediate_recordsWhoWhenWhy_revokesEveryKeyOfTheBond_andAuditsOnce() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult scout = t.bond(w.oliveKey(), "Scout", Tier.T1);
      IssuedKey second = t.engine.keys().rotate(w.oliveKey(), scout.key().info().id()); // first key now in grace
      BondResult other = t.bond(w.oliveKey(), "Other", Tier.T1);
      w.audit().since();
      t.clock.advance(Duration.ofMinutes(1));

      Bond revoked = t.engine.bonds().revoke(w.oliveKey(), scout.bond().id(), ReasonCode.COMPROMISED);

      assertEquals(BondStatus.REVOKED, revoked.status());
      assertEquals(Optional.of(new Revocation(w.oliveId(), t.clock.instant(), ReasonCode.COMPROMISED)), revoked.revocation());
      assertEquals(revoked, t.engine.bonds().get(w.oliveKey(), scout.bond().id()));
      for (BeakKey k : List.of(scout.key().key(), second.key())) {
        Unauthenticated u = refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.authenticate(k));
        assertEquals(Unauthenticated.MESSAGE, u.getMessage());
      }
      for (KeyInfo k : t.engine.keys().list(w.oliveKey(), scout.agent().id())) {
        assertEquals(KeyStatus.REVOKED, k.statusAt(t.clock.instant()), k::toString);
        assertEquals(ReasonCode.BOND_REVOKED, k.revocation().orElseThrow().reason());
        assertEquals(w.oliveId(), k.revocation().orElseThrow().by());
      }
      assertEquals(other.agent().id(), t.engine.authenticate(other.key().key()).id(), "another bond is untouched");

      AuditEvent e = w.audit().success(AuditAction.BOND_REVOKED, w.oliveId(), scout.bond().id().value(), ReasonCode.COMPROMISED);
      assertEquals(Optional.of(w.oliveId().value()), e.scope());
      assertEquals(scout.agent().id().value(), e.details().get("agent_id"));
      assertEquals("2", e.details().get("keys_revoked"));
      assertEquals(Set.of(revoked, other.bond()), Set.copyOf(t.engine.bonds().list(w.oliveKey())), "revoked bonds stay listed");
    }
  }

  @Test
  @Tag("B2")
  @Tag("P5")
  void revoke_closesTheAgentsPecks_andItsSessionsStopVerifying_forBothSides() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult a = t.bond(w.oliveKey(), "a", Tier.T1);
      BondResult b = t.bond(w.ottoKey(), "b", Tier.T1);
      Peck p = t.engine.pecks().request(a.key().key(), PeckRequest.of(b.certificate().id(), Set.of("chat:read"), Duration.ofHours(1)));
      t.engine.pecks().accept(b.key().key(), p.id());
      t.engine.pecks().approve(w.ottoKey(), p.id());
      IssuedSession forA = t.engine.pecks().session(a.key().key(), p.id());
      IssuedSession forB = t.engine.pecks().session(b.key().key(), p.id());
      assertEquals(a.agent().id(), t.engine.pecks().verifySession(forA.token()).subject());

      t.engine.bonds().revoke(w.oliveKey(), a.bond().id(), ReasonCode.NO_LONGER_NEEDED);

      refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.pecks().verifySession(forA.token()));
      refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.pecks().verifySession(forB.token()));
      assertEquals(PeckState.CLOSED, t.engine.pecks().get(b.key().key(), p.id()).state());
    }
  }

  @Test
  @Tag("B2")
  @Tag("B3")
  @Tag("A1")
  @Tag("I4")
  void revoke_isRefused_forAnotherOperatorsBond_aT1Duckling_andTheAgentItself_auditedAsDenied() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult scout = t.bond(w.oliveKey(), "Scout", Tier.T2);
      String bond = scout.bond().id().value();
      w.audit().since();

      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().revoke(w.ottoKey(), scout.bond().id(), ReasonCode.NONE));
      AuditEvent e = w.audit().denied(AuditAction.BOND_REVOKED, w.otto().duckling().id(), bond);
      assertEquals(Optional.of(w.oliveId().value()), e.scope(), "the owning operator sees the attempt (A4)");
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().revoke(w.dora().key().key(), scout.bond().id(), ReasonCode.NONE));
      w.audit().denied(AuditAction.BOND_REVOKED, w.dora().duckling().id(), bond);
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().revoke(scout.key().key(), scout.bond().id(), ReasonCode.NONE));
      w.audit().denied(AuditAction.BOND_REVOKED, scout.agent().id(), bond);

      assertEquals(BondStatus.ACTIVE, t.engine.bonds().get(w.oliveKey(), scout.bond().id()).status());
      assertEquals(scout.agent().id(), t.engine.authenticate(scout.key().key()).id(), "the agent still works");
    }
  }

  @Test
  @Tag("B2")
  @Tag("B3")
  @Tag("A1")
  void admin_revokesAnyBond_asItself() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult scout = t.bond(w.oliveKey(), "Scout", Tier.T1);
      w.audit().since();

      Bond revoked = t.engine.bonds().revoke(w.admin(), scout.bond().id(), ReasonCode.POLICY_VIOLATION);

      assertEquals(w.adminId(), revoked.revocation().orElseThrow().by());
      assertEquals(ReasonCode.POLICY_VIOLATION, revoked.revocation().orElseThrow().reason());
      AuditEvent e = w.audit().success(AuditAction.BOND_REVOKED, w.adminId(), scout.bond().id().value(), ReasonCode.POLICY_VIOLATION);
      assertEquals(Optional.of(w.oliveId().value()), e.scope(), "scoped to the operator, who sees it (A4)");
      refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.authenticate(scout.key().key()));
    }
  }

  @Test
  @Tag("B2")
  @Tag("I4")
  void revoke_ofAnUnknownBond_isNotFound_andOfARevokedOne_isAConflict_neitherWritingAnything() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult scout = t.bond(w.oliveKey(), "Scout", Tier.T1);
      Bond first = t.engine.bonds().revoke(w.oliveKey(), scout.bond().id(), ReasonCode.COMPROMISED);
      w.audit().since();

      refused(NotFound.class, ErrorCode.NOT_FOUND, () -> t.engine.bonds().revoke(w.oliveKey(), UNKNOWN_BOND, ReasonCode.NONE));
      t.clock.advance(Duration.ofMinutes(5));
      refused(Conflict.class, ErrorCode.CONFLICT, () -> t.engine.bonds().revoke(w.oliveKey(), scout.bond().id(), ReasonCode.NONE));
      refused(Conflict.class, ErrorCode.CONFLICT, () -> t.engine.bonds().revoke(w.admin(), scout.bond().id(), ReasonCode.NONE));

      w.audit().none("refusals that are not denials leave no event");
      assertEquals(first, t.engine.bonds().get(w.oliveKey(), scout.bond().id()), "the first revocation stands, unchanged");
    }
  }

  // ------------------------------------------------------------------ blocked callers

  @Test
  @Tag("B1")
  @Tag("B2")
  @Tag("A1")
  void aBlockedOperator_canNeitherBondNorRevokeNorRead_untilUnblocked() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult scout = t.bond(w.oliveKey(), "Scout", Tier.T1);
      t.engine.blocks().blockPlatformWide(w.admin(), w.oliveId(), ReasonCode.POLICY_VIOLATION);
      w.audit().since();

      Forbidden f = refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().bond(w.oliveKey(), "x", Tier.T1));
      assertEquals("blocked", f.getMessage());
      w.audit().denied(AuditAction.BOND_CREATED, w.oliveId(), "bond");
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().revoke(w.oliveKey(), scout.bond().id(), ReasonCode.NONE));
      w.audit().denied(AuditAction.BOND_REVOKED, w.oliveId(), scout.bond().id().value());
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().list(w.oliveKey()));
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().get(w.oliveKey(), scout.bond().id()));
      w.audit().none("reads are not audited, not even refused ones");

      t.engine.blocks().unblockPlatformWide(w.admin(), w.oliveId(), ReasonCode.NONE);
      assertEquals(BondStatus.ACTIVE, t.engine.bonds().get(w.oliveKey(), scout.bond().id()).status());
      BondResult after = t.bond(w.oliveKey(), "after", Tier.T1);
      assertEquals(Set.of(scout.bond(), after.bond()), Set.copyOf(t.engine.bonds().list(w.oliveKey())));
    }
  }

  // ------------------------------------------------------------------ B3 get and list

  @Test
  @Tag("B3")
  void get_showsABond_toItsOperator_itsAgent_andAdmins_only() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult scout = t.bond(w.oliveKey(), "Scout", Tier.T1);
      BondResult ottos = t.bond(w.ottoKey(), "Otto's", Tier.T1);
      BondId id = scout.bond().id();
      w.audit().since();

      for (BeakKey reader : List.of(w.oliveKey(), scout.key().key(), w.admin())) {
        assertEquals(scout.bond(), t.engine.bonds().get(reader, id));
      }
      for (BeakKey stranger : List.of(w.ottoKey(), ottos.key().key(), w.dora().key().key())) {
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().get(stranger, id));
      }
      refused(NotFound.class, ErrorCode.NOT_FOUND, () -> t.engine.bonds().get(w.oliveKey(), UNKNOWN_BOND));
      refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.bonds().get(BeakKey.of("bk_" + "b".repeat(69)), id));
      w.audit().none("reads append nothing");
    }
  }

  @Test
  @Tag("B3")
  void list_showsTheCallersOwnBondsAsOperator_only() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult s1 = t.bond(w.oliveKey(), "s1", Tier.T1);
      BondResult s2 = t.bond(w.oliveKey(), "s2", Tier.T0);
      BondResult o1 = t.bond(w.ottoKey(), "o1", Tier.T1);
      t.engine.bonds().revoke(w.oliveKey(), s2.bond().id(), ReasonCode.NONE);

      Function<BeakKey, Set<BondId>> ids = k -> Set.copyOf(t.engine.bonds().list(k).stream().map(Bond::id).toList());
      assertEquals(Set.of(s1.bond().id(), s2.bond().id()), ids.apply(w.oliveKey()));
      assertEquals(Set.of(o1.bond().id()), ids.apply(w.ottoKey()));
      assertEquals(Set.of(), ids.apply(w.admin()), "an admin governs all bonds but lists its own");
      assertEquals(Set.of(), ids.apply(w.dora().key().key()));
      assertEquals(Set.of(), ids.apply(s1.key().key()), "an agent operates no bonds");
      assertNotEquals(s1.bond().agent(), s2.bond().agent());
    }
  }
}
