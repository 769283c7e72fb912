package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * K3 with K2: a key in its rotation grace keeps a deployed client working — it authenticates, reads,
 * pulses and takes its agent's part in pecks — but governs nothing: it may not rotate, revoke or
 * replace keys, mint one (a bond does), nor take any other governance action. Each refusal is an
 * audited denial (A1) naming the grace key's owner.
 */
class KeyGraceGovernanceTest {
  private static final Duration GRACE = Duration.ofMinutes(15);

  private static long head(TestEngine t) {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  private static KeyStatus status(TestEngine t, BeakKey reader, HatchResult owner, KeyId id) {
    return t.engine.keys().list(reader, owner.duckling().id()).stream()
        .filter(k -> k.id().equals(id)).findFirst().orElseThrow().statusAt(t.clock.instant());
  }

  /**
   * The attack end to end: an attacker who stole the owner's key waits for the owner to rotate it
   * away, then — within the grace — rotates the owner's new key to one of its own, and so survives
   * the owner's rotation while the owner's key runs out. Refused now: the owner's rotation ends the
   * stolen key at the grace, and the owner keeps the only active key.
   */
  @Test
  @Tag("K3")
  @Tag("K2")
  @Tag("A1")
  void stolenKeyInGrace_cannotRotateTheOwnersNewKey_andDiesWithTheGrace() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult owner = t.hatch("Owner");
      BeakKey stolen = owner.key().key(); // the attacker holds a copy
      IssuedKey ownersNew = t.engine.keys().rotate(stolen, owner.key().info().id()); // the owner rotates

      long seq = head(t);
      Forbidden refused = assertThrows(Forbidden.class, () -> t.engine.keys().rotate(stolen, ownersNew.info().id()));
      assertEquals("a key in its rotation grace cannot govern", refused.getMessage());
      AuditEvent denied = t.storage.auditRange(seq + 1, 10).get(0);
      assertEquals(AuditAction.KEY_ROTATED.code(), denied.action());
      assertEquals(AuditOutcome.DENIED, denied.outcome());
      assertEquals(owner.duckling().id().value(), denied.actor());
      assertEquals(ownersNew.info().id().value(), denied.resource());
      assertEquals(seq + 1, head(t), "A1: one denied event, nothing else");
      assertEquals(KeyStatus.ACTIVE, status(t, admin, owner, ownersNew.info().id()), "the owner's new key is untouched");

      t.clock.advance(GRACE);
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(stolen), "K3: the stolen key ends with its grace");
      assertEquals(owner.duckling().id(), t.engine.authenticate(ownersNew.key()).id(), "the owner keeps its key");
    }
  }

  @Test
  @Tag("K3")
  @Tag("K4")
  @Tag("K5")
  @Tag("B1")
  @Tag("A1")
  void keyInGrace_refusedEveryGovernanceAction_eachAuditedAsDenied() {
    try (TestEngine t = new TestEngine()) {
      HatchResult adminHatch = t.bootstrap();
      BeakKey admin0 = adminHatch.key().key();
      HatchResult olive = t.hatch("Olive");
      t.engine.identities().promote(admin0, olive.duckling().id(), Tier.T2);
      BeakKey oliveOld = olive.key().key();
      BondResult scout = t.bond(oliveOld, "Scout", Tier.T1);
      HatchResult other = t.hatch("Other");
      // both the operator's and the admin's keys rotated away: each old key is in its grace
      IssuedKey oliveNew = t.engine.keys().rotate(oliveOld, olive.key().info().id());
      IssuedKey adminNew = t.engine.keys().rotate(admin0, adminHatch.key().info().id());
      t.clock.advance(GRACE.minusSeconds(1)); // the last second of the grace

      Map<String, Function<BeakKey, Object>> byOperator = new LinkedHashMap<>();
      byOperator.put("rotate its successor", k -> t.engine.keys().rotate(k, oliveNew.info().id()));
      byOperator.put("revoke its successor", k -> t.engine.keys().revoke(k, oliveNew.info().id(), ReasonCode.COMPROMISED));
      byOperator.put("rotate an agent's key", k -> t.engine.keys().rotate(k, scout.key().info().id()));
      byOperator.put("revoke an agent's key", k -> t.engine.keys().revoke(k, scout.key().info().id(), ReasonCode.COMPROMISED));
      byOperator.put("mint a key by bonding an agent", k -> t.engine.bonds().bond(k, "Sleeper", Tier.T1));
      byOperator.put("revoke a bond", k -> t.engine.bonds().revoke(k, scout.bond().id(), ReasonCode.COMPROMISED));
      byOperator.put("promote an agent", k -> t.engine.identities().promote(k, scout.agent().id(), Tier.T2));
      byOperator.put("block a caller", k -> t.engine.blocks().block(k, other.duckling().id(), ReasonCode.POLICY_VIOLATION));
      byOperator.put("delete itself", k -> t.engine.identities().requestDeletion(k, olive.duckling().id(), ReasonCode.DELETION_REQUEST));
      Map<String, Function<BeakKey, Object>> byAdmin = new LinkedHashMap<>();
      byAdmin.put("replace a key", k -> t.engine.keys().replace(k, scout.key().info().id(), ReasonCode.COMPROMISED));
      byAdmin.put("replace its successor", k -> t.engine.keys().replace(k, adminNew.info().id(), ReasonCode.COMPROMISED));
      byAdmin.put("block platform-wide", k -> t.engine.blocks().blockPlatformWide(k, other.duckling().id(), ReasonCode.POLICY_VIOLATION));
      byAdmin.put("delete a duckling", k -> t.engine.identities().requestDeletion(k, other.duckling().id(), ReasonCode.DELETION_REQUEST));
      byAdmin.put("add a signing key", k -> t.engine.admin().addSigningKey(k));

      for (var cases : List.of(Map.entry(oliveOld, byOperator), Map.entry(admin0, byAdmin))) {
        for (var c : cases.getValue().entrySet()) {
          long seq = head(t);
          assertThrows(Forbidden.class, () -> c.getValue().apply(cases.getKey()), c.getKey());
          List<AuditEvent> events = t.storage.auditRange(seq + 1, 10);
          assertEquals(1, events.size(), c.getKey() + ": exactly one event");
          assertEquals(AuditOutcome.DENIED, events.get(0).outcome(), c.getKey());
        }
      }
      // the same calls with the active keys go through (so the refusals above were the grace's)
      t.engine.keys().rotate(oliveNew.key(), scout.key().info().id());
      assertEquals(Tier.T1, t.bond(oliveNew.key(), "Fresh", Tier.T1).agent().tier());
      t.engine.keys().replace(adminNew.key(), scout.key().info().id(), ReasonCode.COMPROMISED);
    }
  }

  @Test
  @Tag("K3")
  void keyInGrace_stillAuthenticatesReadsPulsesAndPecks() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey olive = t.operator(admin, "Olive");
      BeakKey otto = t.operator(admin, "Otto");
      BondResult scout = t.bond(olive, "Scout", Tier.T1);
      BondResult peer = t.bond(otto, "Peer", Tier.T1);
      BeakKey scoutOld = scout.key().key();
      t.engine.keys().rotate(olive, scout.key().info().id()); // the operator rotates the agent's key
      t.clock.advance(Duration.ofMinutes(5));

      assertEquals(scout.agent().id(), t.engine.authenticate(scoutOld).id(), "K3: it authenticates");
      assertEquals(scout.agent().id(), t.engine.identities().get(scoutOld, scout.agent().id()).id(), "and reads");
      t.engine.pulses().pulse(scoutOld, "up");
      Peck p = t.engine.pecks().request(scoutOld, PeckRequest.of(peer.certificate().id(), Set.of("chat:read"), Duration.ofHours(1)));
      Peck incoming = t.engine.pecks().request(peer.key().key(),
          PeckRequest.of(scout.certificate().id(), Set.of("chat:read"), Duration.ofHours(1)));
      assertEquals(PeckState.ACCEPTED, t.engine.pecks().accept(scoutOld, incoming.id()).state());
      assertEquals(PeckState.CLOSED, t.engine.pecks().close(scoutOld, p.id(), ReasonCode.NO_LONGER_NEEDED).state());
      assertTrue(t.engine.keys().list(scoutOld, scout.agent().id()).size() >= 2);
    }
  }
}
