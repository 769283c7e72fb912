package io.spaceduck.core;

import static io.spaceduck.core.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Role;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code identities()} facet's reads and tier changes on their own, through engine-api only
 * (deletion, D1, has its own {@link DeletionTest}): who may read which record, who may promote whom
 * to which tier (I1, I2, I7, B3), every refusal with its {@link ErrorCode}, and the audit event of
 * each promotion and denied attempt (A1).
 */
class IdentitiesTest {
  private static final String EMAIL_DOMAIN = "@example.org";

  /** An admin, T2 operators Olive (agents scout T1 and senior T2) and Otto (agent ottos), T1 Dora. */
  private record World(Cast cast, BondResult scout, BondResult senior, BondResult ottos, AuditTrail audit)
      implements Cast.Roles {}

  private static World world(TestEngine t) {
    Cast.Operators ops = Cast.operators(t);
    BondResult scout = t.bond(ops.olive().key().key(), "scout", Tier.T1);
    BondResult senior = t.bond(ops.olive().key().key(), "senior", Tier.T2);
    BondResult ottos = t.bond(ops.otto().key().key(), "ottos", Tier.T1);
    Cast cast = ops.thenDora(t);
    return new World(cast, scout, senior, ottos, cast.auditTrail(t));
  }

  private static Set<Tier> certificateTiers(TestEngine t, BeakKey admin, IdentityId subject) {
    return Set.copyOf(t.engine.certificates().history(admin, subject).stream().map(v -> v.certificate().tier()).toList());
  }

  // ------------------------------------------------------------------ get

  @Test
  @Tag("B3")
  @Tag("D2")
  void get_showsOnesOwnRecord_aGovernedAgents_andAnyoneToAnAdmin_only() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      IdentityId dora = w.dora().duckling().id();
      IdentityId scout = w.scout().agent().id();
      w.audit().since();

      Duckling self = (Duckling) t.engine.identities().get(w.dora().key().key(), dora);
      assertEquals(w.dora().duckling(), self);
      assertFalse(self.toString().contains(EMAIL_DOMAIN), "the identity record holds no email (the contact is apart)");
      assertEquals(w.scout().agent(), t.engine.identities().get(w.scout().key().key(), scout));
      assertEquals(w.scout().agent(), t.engine.identities().get(w.oliveKey(), scout));
      assertEquals(w.scout().agent(), t.engine.identities().get(w.adminKey(), scout));
      assertEquals(self, t.engine.identities().get(w.adminKey(), dora));
      assertEquals(Set.of(Role.ADMIN), ((Duckling) t.engine.identities().get(w.adminKey(), w.adminId())).roles());

      record Read(BeakKey caller, IdentityId target) {}
      for (Read r : List.of(
          new Read(w.otto().key().key(), scout), // another operator's agent
          new Read(w.oliveKey(), dora), // another duckling
          new Read(w.dora().key().key(), w.oliveId()),
          new Read(w.scout().key().key(), w.oliveId()), // an agent, its operator
          new Read(w.senior().key().key(), scout))) { // an agent, its sibling
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.identities().get(r.caller(), r.target()));
      }
      refused(NotFound.class, ErrorCode.NOT_FOUND, () -> t.engine.identities().get(w.adminKey(), new DucklingId("dk_" + "q".repeat(26))));
      refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.identities().get(BeakKey.of("bk_" + "d".repeat(69)), dora));
      w.audit().none("reads append nothing, refused or not");
    }
  }

  // ------------------------------------------------------------------ promote a duckling

  @Test
  @Tag("C3")
  @Tag("I6")
  @Tag("A1")
  void promote_aDucklingToT2_byAnAdminOrAnotherOperator_issuesACertificateThatSupersedesTheOld() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      HatchResult erin = t.hatch("Erin");
      w.audit().since();

      BirthCertificate cert = t.engine.identities().promote(w.oliveKey(), erin.duckling().id(), Tier.T2);

      assertEquals(erin.duckling().id(), cert.subject());
      assertEquals(Tier.T2, cert.tier());
      assertEquals(Optional.of(erin.certificate().id()), cert.supersedes());
      assertEquals(t.clock.instant(), cert.issuedAt());
      Duckling now = (Duckling) t.engine.identities().get(erin.key().key(), erin.duckling().id());
      assertEquals(Tier.T2, now.tier());
      assertEquals(cert.id(), now.currentCert());
      assertEquals(Tier.T2, t.engine.authenticate(erin.key().key()).tier(), "the same key acts at the new tier at once");
      assertEquals(List.of(CertStatus.SUPERSEDED, CertStatus.CURRENT),
          t.engine.certificates().history(w.adminKey(), erin.duckling().id()).stream().map(CertificateView::status).toList());
      AuditEvent e = w.audit().success(AuditAction.TIER_PROMOTED, w.oliveId(), erin.duckling().id().value(), ReasonCode.TIER_CHANGE);
      assertEquals(Map.of("from", "T1", "to", "T2", "cert_id", cert.id().value(), "supersedes", erin.certificate().id().value()),
          e.details());

      HatchResult fred = t.hatch("Fred");
      w.audit().since();
      t.engine.identities().promote(w.adminKey(), fred.duckling().id(), Tier.T2);
      w.audit().success(AuditAction.TIER_PROMOTED, w.adminId(), fred.duckling().id().value(), ReasonCode.TIER_CHANGE);
    }
  }

  @Test
  @Tag("I1")
  @Tag("I2")
  @Tag("K2")
  @Tag("A1")
  @Tag("I4")
  void promote_isForbidden_toAT1Duckling_toAgents_andToOneself_auditedAsDenied() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      HatchResult erin = t.hatch("Erin");
      w.audit().since();
      record Attempt(BeakKey caller, IdentityId actor, IdentityId target, Tier tier) {}
      List<Attempt> attempts = List.of(
          new Attempt(w.dora().key().key(), w.dora().duckling().id(), erin.duckling().id(), Tier.T2), // T1 may not promote
          new Attempt(w.dora().key().key(), w.dora().duckling().id(), w.dora().duckling().id(), Tier.T2), // nor itself
          new Attempt(w.senior().key().key(), w.senior().agent().id(), w.scout().agent().id(), Tier.T2), // agents may not
          new Attempt(w.scout().key().key(), w.scout().agent().id(), w.scout().agent().id(), Tier.T2), // K2: no self-elevation
          new Attempt(w.oliveKey(), w.oliveId(), w.oliveId(), Tier.T2), // I2: no self-promotion
          new Attempt(w.adminKey(), w.adminId(), w.adminId(), Tier.T2)); // not even an admin
      for (Attempt a : attempts) {
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.identities().promote(a.caller(), a.target(), a.tier()));
        w.audit().denied(AuditAction.TIER_PROMOTED, a.actor(), a.target().value());
      }
      assertEquals(Tier.T1, t.engine.authenticate(erin.key().key()).tier());
      assertEquals(Tier.T1, t.engine.authenticate(w.dora().key().key()).tier());
      assertEquals(Tier.T1, t.engine.authenticate(w.scout().key().key()).tier());
    }
  }

  @Test
  @Tag("I1")
  @Tag("I4")
  void promote_refusesNoChangeADemotionAnUnknownTarget_andAnInactiveOne_writingNothing() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      HatchResult gus = t.hatch("Gus");
      t.engine.blocks().blockPlatformWide(w.adminKey(), gus.duckling().id(), ReasonCode.POLICY_VIOLATION);
      w.audit().since();

      InvalidInput same = refused(InvalidInput.class, ErrorCode.INVALID_INPUT,
          () -> t.engine.identities().promote(w.adminKey(), w.dora().duckling().id(), Tier.T1));
      assertTrue(same.getMessage().contains("tier"), same.getMessage());
      refused(InvalidInput.class, ErrorCode.INVALID_INPUT, () -> t.engine.identities().promote(w.adminKey(), w.oliveId(), Tier.T0));
      refused(InvalidInput.class, ErrorCode.INVALID_INPUT,
          () -> t.engine.identities().promote(w.oliveKey(), w.senior().agent().id(), Tier.T1));
      refused(NotFound.class, ErrorCode.NOT_FOUND,
          () -> t.engine.identities().promote(w.adminKey(), new DucklingId("dk_" + "z".repeat(26)), Tier.T2));
      refused(Conflict.class, ErrorCode.CONFLICT, () -> t.engine.identities().promote(w.adminKey(), gus.duckling().id(), Tier.T2));

      w.audit().none("refusals that are not denials leave no event");
      assertEquals(Set.of(Tier.T1), certificateTiers(t, w.adminKey(), gus.duckling().id()));
      assertEquals(Set.of(Tier.T1), certificateTiers(t, w.adminKey(), w.dora().duckling().id()));
    }
  }

  // ------------------------------------------------------------------ promote an agent

  @Test
  @Tag("I1")
  @Tag("B3")
  @Tag("A1")
  void promote_anAgent_byItsOperatorOrAnAdmin_upToTheOperatorsTier_neverByAnotherOperator() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BondResult egg = t.bond(w.oliveKey(), "egg", Tier.T0);
      IdentityId id = egg.agent().id();
      w.audit().since();

      BirthCertificate t1 = t.engine.identities().promote(w.oliveKey(), id, Tier.T1);
      assertEquals(Optional.of(w.oliveId()), t1.operator());
      AuditEvent e = w.audit().success(AuditAction.TIER_PROMOTED, w.oliveId(), id.value(), ReasonCode.TIER_CHANGE);
      assertEquals(Optional.of(w.oliveId().value()), e.scope());

      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.identities().promote(w.otto().key().key(), id, Tier.T2));
      AuditEvent denied = w.audit().denied(AuditAction.TIER_PROMOTED, w.otto().duckling().id(), id.value());
      assertEquals(Optional.of(w.oliveId().value()), denied.scope(), "Olive sees the attempt on her agent (A4)");

      BirthCertificate t2 = t.engine.identities().promote(w.adminKey(), id, Tier.T2);
      assertEquals(Optional.of(t1.id()), t2.supersedes());
      w.audit().success(AuditAction.TIER_PROMOTED, w.adminId(), id.value(), ReasonCode.TIER_CHANGE);
      assertEquals(Tier.T2, ((Agent) t.engine.identities().get(w.oliveKey(), id)).tier());
      assertEquals(Set.of(Tier.T0, Tier.T1, Tier.T2), certificateTiers(t, w.adminKey(), id));
    }
  }

  // ------------------------------------------------------------------ I7 T3 is gated

  @Test
  @Tag("I7")
  @Tag("A1")
  void promote_toT3_isForbiddenWhileTheFeatureIsOff_forEveryCaller_andNoT3CertificateExists() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      w.audit().since();

      for (BeakKey caller : List.of(w.oliveKey(), w.adminKey())) {
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.identities().promote(caller, w.senior().agent().id(), Tier.T3));
        w.audit().denied(AuditAction.TIER_PROMOTED, t.engine.authenticate(caller).id(), w.senior().agent().id().value());
      }
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.identities().promote(w.adminKey(), w.oliveId(), Tier.T3));
      w.audit().denied(AuditAction.TIER_PROMOTED, w.adminId(), w.oliveId().value());
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.bonds().bond(w.oliveKey(), "mighty", Tier.T3));
      w.audit().denied(AuditAction.BOND_CREATED, w.oliveId(), "bond");

      for (IdentityId subject : List.of(w.senior().agent().id(), w.oliveId(), w.scout().agent().id())) {
        assertFalse(certificateTiers(t, w.adminKey(), subject).contains(Tier.T3), "I7: no T3 certificate of " + subject);
      }
      assertEquals(Tier.T2, t.engine.authenticate(w.senior().key().key()).tier());
    }
  }

  @Test
  @Tag("I7")
  @Tag("I1")
  void promote_toT3_withTheFeatureOn_isForAgentsOnly_andOnlyByTheirOperatorOrAnAdmin() {
    Consumer<SpaceDuckBuilder> t3 = TestEngine.t3();
    try (TestEngine t = new TestEngine(t3)) {
      World w = world(t);
      w.audit().since();

      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.identities().promote(w.adminKey(), w.oliveId(), Tier.T3));
      w.audit().denied(AuditAction.TIER_PROMOTED, w.adminId(), w.oliveId().value());
      refused(Forbidden.class, ErrorCode.FORBIDDEN,
          () -> t.engine.identities().promote(w.otto().key().key(), w.senior().agent().id(), Tier.T3));
      w.audit().denied(AuditAction.TIER_PROMOTED, w.otto().duckling().id(), w.senior().agent().id().value());

      BirthCertificate mighty = t.engine.identities().promote(w.oliveKey(), w.senior().agent().id(), Tier.T3);

      assertEquals(Tier.T3, mighty.tier());
      assertEquals(Tier.T3, t.engine.authenticate(w.senior().key().key()).tier());
      w.audit().success(AuditAction.TIER_PROMOTED, w.oliveId(), w.senior().agent().id().value(), ReasonCode.TIER_CHANGE);
      assertEquals(Tier.T2, t.engine.authenticate(w.oliveKey()).tier(), "the operator stays T2");
    }
  }
}
