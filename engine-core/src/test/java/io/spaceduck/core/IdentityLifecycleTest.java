package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Role;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The identity lifecycle end to end on the in-memory store. */
class IdentityLifecycleTest {

  @Test
  @Tag("H3")
  @Tag("B1")
  @Tag("K3")
  @Tag("K4")
  @Tag("C3")
  @Tag("A3")
  void lifecycle_bootstrapHatchPromoteBondRotateRevoke() {
    try (TestEngine t = new TestEngine()) {
      HatchResult admin = t.bootstrap();
      BeakKey adminKey = admin.key().key();
      assertEquals(Tier.T2, admin.duckling().tier());
      assertTrue(admin.duckling().roles().contains(Role.ADMIN));

      HatchResult alice = t.hatch("Alice");
      assertEquals(Tier.T1, alice.duckling().tier());
      Principal p = t.engine.authenticate(alice.key().key());
      assertEquals(alice.duckling().id(), p.id());

      BirthCertificate promoted = t.engine.identities().promote(adminKey, alice.duckling().id(), Tier.T2);
      assertEquals(Tier.T2, promoted.tier());
      assertEquals(alice.certificate().id(), promoted.supersedes().orElseThrow());
      CertificateView old = t.engine.certificates().get(alice.key().key(), alice.certificate().id());
      assertEquals(CertStatus.SUPERSEDED, old.status());
      assertEquals(CertStatus.CURRENT, t.engine.certificates().get(alice.key().key(), promoted.id()).status());
      List<CertificateView> history = t.engine.certificates().history(alice.key().key(), alice.duckling().id());
      assertEquals(List.of(alice.certificate().id(), promoted.id()), history.stream().map(v -> v.certificate().id()).toList());

      BondResult bot = t.bond(alice.key().key(), "Scout", Tier.T1);
      BeakKey botKey = bot.key().key();
      assertEquals(bot.agent().id(), t.engine.authenticate(botKey).id());
      assertEquals(Tier.T1, t.engine.authenticate(botKey).tier());

      IssuedKey rotated = t.engine.keys().rotate(alice.key().key(), bot.key().info().id());
      t.engine.authenticate(botKey); // still inside the grace period
      t.clock.advance(Duration.ofMinutes(15));
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(botKey));
      assertEquals(bot.agent().id(), t.engine.authenticate(rotated.key()).id());

      t.engine.keys().revoke(alice.key().key(), rotated.info().id(), ReasonCode.COMPROMISED);
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(rotated.key()));

      IssuedKey replacement = t.engine.keys().replace(adminKey, rotated.info().id(), ReasonCode.COMPROMISED);
      assertEquals(bot.agent().id(), t.engine.authenticate(replacement.key()).id());

      t.engine.bonds().revoke(alice.key().key(), bot.bond().id(), ReasonCode.NO_LONGER_NEEDED);
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(replacement.key()));

      // a T1 duckling cannot bond; the denial is audited
      HatchResult bob = t.hatch("Bob");
      assertThrows(Forbidden.class, () -> t.bond(bob.key().key(), "Nope", Tier.T0));

      List<AuditEvent> events = t.engine.audit().read(adminKey, AuditQuery.all().limit(1000)).events();
      List<String> actions = events.stream().map(AuditEvent::action).toList();
      assertEquals(
          List.of(
              AuditAction.ADMIN_BOOTSTRAPPED.code(),
              AuditAction.HATCH_COMPLETED.code(),
              AuditAction.TIER_PROMOTED.code(),
              AuditAction.BOND_CREATED.code(),
              AuditAction.KEY_ROTATED.code(),
              AuditAction.KEY_REVOKED.code(),
              AuditAction.KEY_REPLACED.code(),
              AuditAction.BOND_REVOKED.code(),
              AuditAction.HATCH_COMPLETED.code(),
              AuditAction.BOND_CREATED.code()),
          actions);
      assertEquals(AuditOutcome.DENIED, events.get(events.size() - 1).outcome());

      // Alice (an operator) sees her own governance only
      List<AuditEvent> alicesView = t.engine.audit().read(alice.key().key(), AuditQuery.all()).events();
      assertFalse(alicesView.isEmpty());
      assertTrue(alicesView.stream().allMatch(e -> e.actor().equals(alice.duckling().id().value())
          || e.scope().orElse("").equals(alice.duckling().id().value())));
      assertFalse(alicesView.stream().anyMatch(e -> e.action().equals(AuditAction.ADMIN_BOOTSTRAPPED.code())));

      AuditVerification v = t.engine.audit().verify(adminKey);
      assertTrue(v.valid(), v.toString());
      assertEquals(events.size(), v.eventsVerified());
      assertTrue(t.engine.audit().verify(adminKey, v.head().orElseThrow()).valid());
    }
  }
}
