package io.spaceduck.core;

import static io.spaceduck.core.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Email;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.Role;
import io.spaceduck.api.SigningKey;
import io.spaceduck.api.Tier;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code admin()} facet's one-time bootstrap, and the audit events of signing-key management,
 * through engine-api only (the signing keys' lifecycle and who may manage them: {@link
 * SigningKeysTest} and {@link CertificatesTest}).
 */
class AdminTest {
  private static List<AuditEvent> all(TestEngine t, BeakKey admin) {
    return t.engine.audit().read(admin, AuditQuery.all().limit(AuditQuery.MAX_LIMIT)).events();
  }

  @Test
  @Tag("A1")
  @Tag("C1")
  @Tag("I4")
  void bootstrap_createsTheFirstAdmin_aT2DucklingWithCertificateAndKey_asTheChainsFirstEvent() {
    try (TestEngine t = new TestEngine()) {
      HatchResult r = t.engine.admin().bootstrap("  Ada  ", Email.of("ada@example.org"));

      assertEquals("Ada", r.duckling().displayName());
      assertEquals(Tier.T2, r.duckling().tier());
      assertEquals(Set.of(Role.ADMIN), r.duckling().roles());
      assertEquals(IdentityStatus.ACTIVE, r.duckling().status());
      assertEquals(t.clock.instant(), r.duckling().createdAt());
      assertEquals(r.certificate().id(), r.duckling().currentCert());
      assertEquals(Tier.T2, r.certificate().tier());
      assertEquals(Optional.empty(), r.certificate().supersedes());
      assertEquals(r.certificate(), t.engine.certificates().verify(r.certificate().jws()));
      Principal admin = t.engine.authenticate(r.key().key());
      assertTrue(admin.isAdmin());
      assertEquals(r.duckling().id(), admin.id());

      List<AuditEvent> events = all(t, r.key().key());
      assertEquals(1, events.size(), events::toString);
      AuditEvent e = events.get(0);
      assertEquals(1, e.seq());
      assertEquals(AuditAction.ADMIN_BOOTSTRAPPED.code(), e.action());
      assertEquals(r.duckling().id().value(), e.actor());
      assertEquals(r.duckling().id().value(), e.resource());
      assertEquals(ReasonCode.NONE, e.reason());
      assertEquals(AuditOutcome.SUCCESS, e.outcome());
      assertEquals(Map.of("cert_id", r.certificate().id().value(), "key_id", r.key().info().id().value(), "tier", "T2"), e.details());
      assertTrue(t.engine.audit().verify(r.key().key()).valid());
    }
  }

  @Test
  @Tag("I4")
  void bootstrap_runsOnce_andOnlyOnAnEmptyStore_refusedGenerically() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();

      Rejected again = refused(Rejected.class, ErrorCode.REJECTED, () -> t.engine.admin().bootstrap("Eve", Email.of("eve@example.org")));

      assertTrue(!again.getMessage().contains("eve@example.org"), "the message names no input");
      assertEquals(1, all(t, admin).size(), "the refusal wrote nothing");
    }
    try (TestEngine t = new TestEngine()) {
      HatchResult first = t.hatch("Early bird");

      refused(Rejected.class, ErrorCode.REJECTED, () -> t.engine.admin().bootstrap("Ada", Email.of("ada@example.org")));

      assertEquals(Set.of(), t.engine.authenticate(first.key().key()).roles(), "no admin exists");
    }
  }

  @Test
  @Tag("I4")
  void bootstrap_refusesAMalformedNameOrEmail_writingNothing_soABootstrapCanFollow() {
    try (TestEngine t = new TestEngine()) {
      InvalidInput name = refused(InvalidInput.class, ErrorCode.INVALID_INPUT, () -> t.engine.admin().bootstrap(" ", Email.of("ada@example.org")));
      assertTrue(name.getMessage().contains("display_name"), name.getMessage());
      refused(InvalidInput.class, ErrorCode.INVALID_INPUT, () -> t.engine.admin().bootstrap("Ada", Email.of("no at sign")));

      HatchResult r = t.engine.admin().bootstrap("Ada", Email.of("ada@example.org"));
      assertEquals(1, all(t, r.key().key()).get(0).seq(), "the refused attempts left no event");
    }
  }

  @Test
  @Tag("C2")
  @Tag("A1")
  void signingKeyActions_areAuditedWithTheKidAsResource_andAnUnknownKidIsNotFound() {
    try (TestEngine t = new TestEngine()) {
      HatchResult admin = t.bootstrap();
      BeakKey key = admin.key().key();
      AuditTrail audit = new AuditTrail(t.engine, key);

      String kid = t.engine.admin().addSigningKey(key);
      AuditEvent added = audit.success(AuditAction.SIGNING_KEY_ADDED, admin.duckling().id(), "signing_key:" + kid, ReasonCode.NONE);
      assertEquals(Map.of("kid", kid), added.details());
      assertEquals(SigningKey.State.ACTIVE, stateOf(t, key, kid));

      t.engine.admin().promoteSigningKey(key, kid);
      audit.success(AuditAction.SIGNING_KEY_PROMOTED, admin.duckling().id(), "signing_key:" + kid, ReasonCode.NONE);
      assertEquals(kid, t.engine.admin().signingKeys(key).get(0).kid(), "the primary is listed first");

      refused(NotFound.class, ErrorCode.NOT_FOUND, () -> t.engine.admin().promoteSigningKey(key, "ZZZZZZ"));
      audit.none("an unknown kid changes nothing");
    }
  }

  private static SigningKey.State stateOf(TestEngine t, BeakKey admin, String kid) {
    return t.engine.admin().signingKeys(admin).stream().filter(k -> k.kid().equals(kid)).findFirst().orElseThrow().state();
  }
}
