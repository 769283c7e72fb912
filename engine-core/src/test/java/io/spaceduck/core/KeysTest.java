package io.spaceduck.core;

import static io.spaceduck.core.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code keys()} facet on its own (K2–K5), through engine-api only: rotate, revoke, replace and
 * list; every refusal with its {@link ErrorCode}; the audit event of each action and denied attempt
 * (A1); who may manage whose keys by tier and role.
 */
class KeysTest {
  private static final Duration GRACE = Duration.ofMinutes(15);

  /** An admin, two T2 operators (Olive with agents scout and egg, Otto with his agent), a T1 duckling. */
  private record World(Cast cast, BondResult scout, BondResult sibling, BondResult egg, BondResult ottos, AuditTrail audit)
      implements Cast.Roles {
    HatchResult adminHatch() {
      return cast.admin();
    }

    BeakKey admin() {
      return adminKey();
    }
  }

  private static World world(TestEngine t) {
    Cast.Operators ops = Cast.operators(t);
    BeakKey olive = ops.olive().key().key();
    BondResult scout = t.bond(olive, "scout", Tier.T1);
    BondResult sibling = t.bond(olive, "sibling", Tier.T2);
    BondResult egg = t.bond(olive, "egg", Tier.T0);
    BondResult ottos = t.bond(ops.otto().key().key(), "ottos", Tier.T1);
    Cast cast = ops.thenDora(t);
    return new World(cast, scout, sibling, egg, ottos, cast.auditTrail(t));
  }

  private static KeyId id(BondResult b) {
    return b.key().info().id();
  }

  private static KeyId id(HatchResult h) {
    return h.key().info().id();
  }

  private static Map<KeyId, KeyStatus> statuses(TestEngine t, BeakKey reader, IdentityId owner) {
    Instant now = t.clock.instant();
    return t.engine.keys().list(reader, owner).stream().collect(Collectors.toMap(KeyInfo::id, k -> k.statusAt(now)));
  }

  // ------------------------------------------------------------------ K3 rotate

  @Test
  @Tag("K3")
  @Tag("A1")
  @Tag("I4")
  void rotate_ownKey_issuesANewKey_andTheOldOneWorksUntilTheGraceEnds() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      KeyId old = id(w.olive());

      IssuedKey fresh = t.engine.keys().rotate(w.oliveKey(), old);

      assertEquals(w.oliveId(), fresh.info().owner());
      assertEquals(Optional.empty(), fresh.info().bond());
      assertNotEquals(old, fresh.info().id());
      assertEquals(Map.of(old, KeyStatus.GRACE, fresh.info().id(), KeyStatus.ACTIVE), statuses(t, fresh.key(), w.oliveId()));
      AuditEvent e = w.audit().success(AuditAction.KEY_ROTATED, w.oliveId(), old.value(), ReasonCode.ROTATION);
      assertEquals(
          Map.of("owner", w.oliveId().value(), "new_key_id", fresh.info().id().value(),
              "grace_until", t.clock.instant().plus(GRACE).toString()),
          e.details());

      t.clock.advance(GRACE.minusMillis(1));
      assertEquals(w.oliveId(), t.engine.authenticate(w.oliveKey()).id(), "still in grace");
      t.clock.advance(Duration.ofMillis(1));
      refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.authenticate(w.oliveKey()));
      assertEquals(w.oliveId(), t.engine.authenticate(fresh.key()).id());
    }
  }

  @Test
  @Tag("K3")
  @Tag("A1")
  void rotate_anAgentsKey_byItsOperator_orAnAdmin_keepsTheBond() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);

      IssuedKey byOperator = t.engine.keys().rotate(w.oliveKey(), id(w.scout()));
      assertEquals(w.scout().agent().id(), byOperator.info().owner());
      assertEquals(Optional.of(w.scout().bond().id()), byOperator.info().bond());
      assertEquals(w.scout().agent().id(), t.engine.authenticate(byOperator.key()).id());
      AuditEvent e = w.audit().success(AuditAction.KEY_ROTATED, w.oliveId(), id(w.scout()).value(), ReasonCode.ROTATION);
      assertEquals(Optional.of(w.oliveId().value()), e.scope(), "the agent's operator sees it (A4)");

      IssuedKey byAdmin = t.engine.keys().rotate(w.admin(), id(w.ottos()));
      assertEquals(Optional.of(w.ottos().bond().id()), byAdmin.info().bond());
      w.audit().success(AuditAction.KEY_ROTATED, w.adminId(), id(w.ottos()).value(), ReasonCode.ROTATION);

      IssuedKey self = t.engine.keys().rotate(w.sibling().key().key(), id(w.sibling()));
      assertEquals(w.sibling().agent().id(), self.info().owner(), "an agent rotates its own key (self-rotation)");
      w.audit().success(AuditAction.KEY_ROTATED, w.sibling().agent().id(), id(w.sibling()).value(), ReasonCode.ROTATION);
    }
  }

  @Test
  @Tag("K2")
  @Tag("K3")
  @Tag("B3")
  @Tag("A1")
  @Tag("I4")
  void rotate_isForbidden_onKeysTheCallerDoesNotGovern_auditedAsDenied_andChangesNothing() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      record Attempt(BeakKey caller, IdentityId actor, KeyId target) {}
      List<Attempt> attempts =
          List.of(
              new Attempt(w.otto().key().key(), w.otto().duckling().id(), id(w.scout())), // another operator's agent
              new Attempt(w.oliveKey(), w.oliveId(), id(w.otto())), // another duckling
              new Attempt(w.oliveKey(), w.oliveId(), id(w.dora())),
              new Attempt(w.dora().key().key(), w.dora().duckling().id(), id(w.scout())), // a T1 duckling
              new Attempt(w.scout().key().key(), w.scout().agent().id(), id(w.olive())), // K2: an agent, its operator's key
              new Attempt(w.sibling().key().key(), w.sibling().agent().id(), id(w.scout())), // K2: a T2 agent, a sibling's key
              new Attempt(w.oliveKey(), w.oliveId(), id(w.adminHatch())), // the admin's key
              new Attempt(w.egg().key().key(), w.egg().agent().id(), id(w.egg()))); // an Egg may not manage even its own key
      for (Attempt a : attempts) {
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.keys().rotate(a.caller(), a.target()));
        w.audit().denied(AuditAction.KEY_ROTATED, a.actor(), a.target().value());
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.keys().revoke(a.caller(), a.target(), ReasonCode.COMPROMISED));
        w.audit().denied(AuditAction.KEY_REVOKED, a.actor(), a.target().value());
      }
      for (BeakKey k : List.of(w.oliveKey(), w.otto().key().key(), w.dora().key().key(), w.scout().key().key(),
          w.sibling().key().key(), w.egg().key().key(), w.admin())) {
        assertEquals(KeyStatus.ACTIVE, t.engine.keys().list(w.admin(), t.engine.authenticate(k).id()).get(0).statusAt(t.clock.instant()));
      }
    }
  }

  @Test
  @Tag("K2")
  @Tag("K3")
  @Tag("K5")
  @Tag("A1")
  void rotate_ofAnotherDucklingsKey_isForbiddenEvenToAnAdmin_whoReplacesItInstead() {
    // rotation hands the caller the new raw key: an admin rotating a duckling's key could act as it (K2)
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      for (HatchResult owner : List.of(w.olive(), w.dora())) {
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.keys().rotate(w.admin(), id(owner)));
        w.audit().denied(AuditAction.KEY_ROTATED, w.adminId(), id(owner).value());
        assertEquals(KeyStatus.ACTIVE,
            t.engine.keys().list(w.admin(), owner.duckling().id()).get(0).statusAt(t.clock.instant()));
        assertEquals(owner.duckling().id(), t.engine.authenticate(owner.key().key()).id());
      }
      // an agent's key stays the admin's to rotate (B3), and the duckling's own rotation still works
      t.engine.keys().rotate(w.admin(), id(w.scout()));
      t.engine.keys().rotate(w.oliveKey(), id(w.olive()));
    }
  }

  @Test
  @Tag("K3")
  @Tag("I4")
  void rotate_ofAKeyInGrace_isAConflict_andOfAnUnknownKey_notFound_neitherAudited() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      IssuedKey fresh = t.engine.keys().rotate(w.oliveKey(), id(w.scout()));
      w.audit().since();

      refused(Conflict.class, ErrorCode.CONFLICT, () -> t.engine.keys().rotate(w.oliveKey(), id(w.scout())));
      refused(NotFound.class, ErrorCode.NOT_FOUND, () -> t.engine.keys().rotate(w.oliveKey(), new KeyId("a".repeat(16))));
      refused(NotFound.class, ErrorCode.NOT_FOUND,
          () -> t.engine.keys().revoke(w.oliveKey(), new KeyId("a".repeat(16)), ReasonCode.NONE));
      w.audit().none("a conflict or a miss is not a denial");
      assertEquals(2, t.engine.keys().list(w.oliveKey(), w.scout().agent().id()).size(), "no third key");
      assertEquals(KeyStatus.ACTIVE, fresh.info().statusAt(t.clock.instant()));
    }
  }

  // ------------------------------------------------------------------ K4 revoke

  @Test
  @Tag("K4")
  @Tag("I3")
  @Tag("A1")
  void revoke_isImmediate_recordsWhoWhenWhy_andIsAuditedOnce() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      t.clock.advance(Duration.ofSeconds(30));

      KeyInfo revoked = t.engine.keys().revoke(w.oliveKey(), id(w.scout()), ReasonCode.COMPROMISED);

      assertEquals(Optional.of(new Revocation(w.oliveId(), t.clock.instant(), ReasonCode.COMPROMISED)), revoked.revocation());
      assertEquals(KeyStatus.REVOKED, revoked.statusAt(t.clock.instant()));
      Unauthenticated u = refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.authenticate(w.scout().key().key()));
      assertEquals(Unauthenticated.MESSAGE, u.getMessage(), "K6: the same message as for a key that never existed");
      AuditEvent e = w.audit().success(AuditAction.KEY_REVOKED, w.oliveId(), id(w.scout()).value(), ReasonCode.COMPROMISED);
      assertEquals(w.scout().agent().id().value(), e.details().get("owner"));

      refused(Conflict.class, ErrorCode.CONFLICT, () -> t.engine.keys().revoke(w.oliveKey(), id(w.scout()), ReasonCode.NONE));
      w.audit().none("revoking twice changes and records nothing");
      assertEquals(revoked, t.engine.keys().list(w.oliveKey(), w.scout().agent().id()).get(0));
    }
  }

  @Test
  @Tag("K4")
  @Tag("A1")
  void revoke_ownKey_andAnyKeyByAnAdmin() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);

      t.engine.keys().revoke(w.dora().key().key(), id(w.dora()), ReasonCode.NO_LONGER_NEEDED);
      w.audit().success(AuditAction.KEY_REVOKED, w.dora().duckling().id(), id(w.dora()).value(), ReasonCode.NO_LONGER_NEEDED);
      refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.authenticate(w.dora().key().key()));

      KeyInfo byAdmin = t.engine.keys().revoke(w.admin(), id(w.otto()), ReasonCode.POLICY_VIOLATION);
      assertEquals(w.adminId(), byAdmin.revocation().orElseThrow().by());
      AuditEvent e = w.audit().success(AuditAction.KEY_REVOKED, w.adminId(), id(w.otto()).value(), ReasonCode.POLICY_VIOLATION);
      assertEquals(Optional.of(w.otto().duckling().id().value()), e.scope());
    }
  }

  // ------------------------------------------------------------------ K5 replace

  @Test
  @Tag("K5")
  @Tag("A1")
  @Tag("I4")
  void replace_revokesAndIssuesInOneAction_forAnAdminOnly() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);

      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.keys().replace(w.oliveKey(), id(w.scout()), ReasonCode.COMPROMISED));
      w.audit().denied(AuditAction.KEY_REPLACED, w.oliveId(), id(w.scout()).value());
      assertEquals(KeyStatus.ACTIVE, statuses(t, w.oliveKey(), w.scout().agent().id()).get(id(w.scout())), "the operator may not");

      IssuedKey fresh = t.engine.keys().replace(w.admin(), id(w.scout()), ReasonCode.COMPROMISED);

      assertEquals(w.scout().agent().id(), fresh.info().owner());
      assertEquals(Optional.of(w.scout().bond().id()), fresh.info().bond());
      assertEquals(Map.of(id(w.scout()), KeyStatus.REVOKED, fresh.info().id(), KeyStatus.ACTIVE),
          statuses(t, w.oliveKey(), w.scout().agent().id()));
      refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED, () -> t.engine.authenticate(w.scout().key().key()));
      assertEquals(w.scout().agent().id(), t.engine.authenticate(fresh.key()).id());
      AuditEvent e = w.audit().success(AuditAction.KEY_REPLACED, w.adminId(), id(w.scout()).value(), ReasonCode.COMPROMISED);
      assertEquals(fresh.info().id().value(), e.details().get("new_key_id"));
      assertEquals(w.scout().agent().id().value(), e.details().get("owner"));
    }
  }

  @Test
  @Tag("K5")
  @Tag("B2")
  @Tag("I4")
  void replace_keepsAnEarlierRevocation_butIssuesNothingForARevokedBondOrABlockedIdentity() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      KeyInfo first = t.engine.keys().revoke(w.oliveKey(), id(w.scout()), ReasonCode.KEY_REVOKED);
      t.clock.advance(Duration.ofMinutes(1));

      IssuedKey fresh = t.engine.keys().replace(w.admin(), id(w.scout()), ReasonCode.COMPROMISED);
      KeyInfo old = t.engine.keys().list(w.admin(), w.scout().agent().id()).stream()
          .filter(k -> k.id().equals(id(w.scout()))).findFirst().orElseThrow();
      assertEquals(first.revocation(), old.revocation(), "the first revocation (who, when, why) stands");
      assertTrue(fresh.info().revocation().isEmpty());

      t.engine.bonds().revoke(w.oliveKey(), w.sibling().bond().id(), ReasonCode.NONE);
      t.engine.blocks().blockPlatformWide(w.admin(), w.otto().duckling().id(), ReasonCode.POLICY_VIOLATION);
      w.audit().since();
      refused(Conflict.class, ErrorCode.CONFLICT, () -> t.engine.keys().replace(w.admin(), id(w.sibling()), ReasonCode.COMPROMISED));
      refused(Conflict.class, ErrorCode.CONFLICT, () -> t.engine.keys().replace(w.admin(), id(w.otto()), ReasonCode.COMPROMISED));
      w.audit().none("nothing was replaced");
      assertEquals(1, t.engine.keys().list(w.admin(), w.sibling().agent().id()).size());
      assertEquals(1, t.engine.keys().list(w.admin(), w.otto().duckling().id()).size());
    }
  }

  // ------------------------------------------------------------------ list

  @Test
  @Tag("K1")
  @Tag("B3")
  void list_showsKeysToTheirOwner_theAgentsOperator_andAdmins_neverASecret() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      IdentityId scout = w.scout().agent().id();
      w.audit().since();

      for (BeakKey reader : List.of(w.scout().key().key(), w.oliveKey(), w.admin())) {
        assertEquals(List.of(w.scout().key().info()), t.engine.keys().list(reader, scout));
      }
      assertEquals(List.of(w.dora().key().info()), t.engine.keys().list(w.dora().key().key(), w.dora().duckling().id()));
      for (BeakKey stranger : List.of(w.otto().key().key(), w.dora().key().key(), w.sibling().key().key())) {
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.keys().list(stranger, scout));
      }
      refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.keys().list(w.scout().key().key(), w.oliveId()));
      refused(NotFound.class, ErrorCode.NOT_FOUND,
          () -> t.engine.keys().list(w.oliveKey(), new DucklingId("dk_" + "a".repeat(26))));
      String listed = t.engine.keys().list(w.admin(), scout).toString();
      String secret = w.scout().key().key().reveal();
      assertTrue(!listed.contains(secret.substring(secret.length() - 20)), "no secret in a listing");
      w.audit().none("reads append nothing");
    }
  }
}
