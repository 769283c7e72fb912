package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Block;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.NotFound;
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
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Platform-wide blocks (admin) and operator block lists: a blocked identity is refused on every call
 * with {@link Forbidden}, the same way each time; blocks close open pecks; unblocking restores; only
 * admins block platform-wide; block lists refuse pecks (P2); every change is audited exactly once
 * (A1, I4).
 */
class BlocksTest {
  private static final ReasonCode WHY = ReasonCode.POLICY_VIOLATION;

  /** An admin, operators A and B with T1 agents a1, a2 and b1, b2, and a T1 duckling. */
  private record World(
      BeakKey admin, BeakKey opA, DucklingId opAId, BeakKey opB, DucklingId opBId, BondResult a1, BondResult a2, BondResult b1,
      BondResult b2, HatchResult dora) {}

  private static World world(TestEngine t) {
    BeakKey admin = t.bootstrap().key().key();
    BeakKey opA = t.operator(admin, "Operator A");
    BeakKey opB = t.operator(admin, "Operator B");
    BondResult a1 = t.bond(opA, "a-one", Tier.T1);
    BondResult a2 = t.bond(opA, "a-two", Tier.T1);
    BondResult b1 = t.bond(opB, "b-one", Tier.T1);
    BondResult b2 = t.bond(opB, "b-two", Tier.T1);
    return new World(admin, opA, a1.bond().operator(), opB, b1.bond().operator(), a1, a2, b1, b2, t.hatch("Dora"));
  }

  private static BeakKey key(BondResult b) {
    return b.key().key();
  }

  private static PeckRequest to(BondResult target) {
    return PeckRequest.of(target.certificate().id(), Set.of("chat:read"), Duration.ofHours(1));
  }

  private static Peck requested(TestEngine t, BondResult from, BondResult target) {
    return t.engine.pecks().request(key(from), to(target));
  }

  private static Peck active(TestEngine t, BondResult from, BondResult target, BeakKey targetOperator) {
    Peck p = requested(t, from, target);
    t.engine.pecks().accept(key(target), p.id());
    return t.engine.pecks().approve(targetOperator, p.id());
  }

  private static long head(TestEngine t) {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  private static List<AuditEvent> since(TestEngine t, long seq) {
    return t.storage.auditRange(seq + 1, 10_000);
  }

  /**
   * A1: a blocked identity's governance attempts are audited as denied (reason not_permitted), its
   * reads are not; nothing else was appended and nothing succeeded.
   */
  private static void assertOnlyDenials(TestEngine t, long seq, IdentityId actor) {
    List<AuditEvent> events = since(t, seq);
    assertFalse(events.isEmpty(), "governance attempts by a blocked identity are audited as denied");
    for (AuditEvent e : events) {
      assertEquals(AuditOutcome.DENIED, e.outcome(), e::toString);
      assertEquals(actor.value(), e.actor(), e::toString);
      assertEquals("not_permitted", e.reason().code(), e::toString);
    }
  }

  /** Exactly one event was appended since {@code seq}: {@code action} by {@code actor} on {@code resource}. */
  private static AuditEvent assertOneEvent(
      TestEngine t, long seq, AuditAction action, AuditOutcome outcome, IdentityId actor, String resource) {
    List<AuditEvent> events = since(t, seq);
    assertEquals(1, events.size(), () -> "exactly one audit event, got " + events);
    AuditEvent e = events.get(0);
    assertEquals(action.code(), e.action());
    assertEquals(outcome, e.outcome());
    assertEquals(actor.value(), e.actor());
    assertEquals(resource, e.resource());
    return e;
  }

  private static IdentityStatus status(TestEngine t, BeakKey admin, IdentityId id) {
    return t.engine.identities().get(admin, id).status();
  }

  /** Every call is refused with the same {@link Forbidden} — twice, to show it is consistent. */
  private static void assertAllForbidden(Map<String, Executable> calls) {
    for (int round = 0; round < 2; round++) {
      for (Map.Entry<String, Executable> c : calls.entrySet()) {
        Forbidden f = assertThrows(Forbidden.class, c.getValue(), c.getKey() + " by a blocked identity");
        assertEquals("blocked", f.getMessage(), c.getKey());
      }
    }
  }

  // ------------------------------------------------------------------ platform-wide blocks

  @Test
  @Tag("P2")
  @Tag("A1")
  @Tag("I4")
  void platformBlockOfAnAgent_refusesEveryCallItCouldMake_closesItsPecks_andUnblockRestores() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      Peck out = active(t, w.a1(), w.b1(), w.opB());
      Peck in = requested(t, w.b2(), w.a1());
      Peck waiting = requested(t, w.b1(), w.a1()); // a request a1 could accept or decline
      IssuedSession peerSession = t.engine.pecks().session(key(w.b1()), out.id());
      t.engine.pulses().pulse(key(w.a1()), "fine");
      t.engine.pecks().verifySession(peerSession.token());

      long before = head(t);
      Block b = t.engine.blocks().blockPlatformWide(w.admin(), w.a1().agent().id(), WHY);
      assertEquals(new Block(w.a1().agent().id(), Optional.empty(), t.engine.authenticate(w.admin()).id(), t.clock.instant(), WHY), b);
      assertTrue(b.platformWide());
      AuditEvent e = assertOneEvent(t, before, AuditAction.IDENTITY_BLOCKED, AuditOutcome.SUCCESS, b.by(), w.a1().agent().id().value());
      assertEquals(WHY, e.reason());
      assertEquals("3", e.details().get("pecks_closed"), e.details().toString());
      assertEquals(IdentityStatus.BLOCKED, status(t, w.admin(), w.a1().agent().id()));

      for (Peck p : List.of(out, in, waiting)) {
        Peck now = t.engine.pecks().get(w.admin(), p.id());
        assertEquals(PeckState.CLOSED, now.state(), "open pecks of the blocked agent close");
        assertEquals(Optional.of(ReasonCode.BLOCKED), now.reason());
      }
      assertThrows(Unauthenticated.class, () -> t.engine.pecks().verifySession(peerSession.token()), "the peer's session ends");

      BeakKey a1 = key(w.a1());
      Map<String, Executable> calls = new LinkedHashMap<>();
      calls.put("authenticate", () -> t.engine.authenticate(a1));
      calls.put("identities.get", () -> t.engine.identities().get(a1, w.a1().agent().id()));
      calls.put("certificates.get", () -> t.engine.certificates().get(a1, w.b1().certificate().id()));
      calls.put("certificates.history", () -> t.engine.certificates().history(a1, w.a1().agent().id()));
      calls.put("keys.list", () -> t.engine.keys().list(a1, w.a1().agent().id()));
      calls.put("keys.rotate", () -> t.engine.keys().rotate(a1, w.a1().key().info().id()));
      calls.put("keys.revoke", () -> t.engine.keys().revoke(a1, w.a1().key().info().id(), ReasonCode.NONE));
      calls.put("bonds.get", () -> t.engine.bonds().get(a1, w.a1().bond().id()));
      calls.put("pulses.pulse", () -> t.engine.pulses().pulse(a1, "let me in"));
      calls.put("pulses.latest", () -> t.engine.pulses().latest(a1, w.a1().agent().id()));
      calls.put("pulses.history", () -> t.engine.pulses().history(a1, w.a1().agent().id(), 10));
      calls.put("pecks.request", () -> t.engine.pecks().request(a1, to(w.b2())));
      calls.put("pecks.inbox", () -> t.engine.pecks().inbox(a1, Optional.empty(), 10));
      calls.put("pecks.accept", () -> t.engine.pecks().accept(a1, waiting.id()));
      calls.put("pecks.decline", () -> t.engine.pecks().decline(a1, waiting.id(), ReasonCode.NONE));
      calls.put("pecks.close", () -> t.engine.pecks().close(a1, out.id(), ReasonCode.NONE));
      calls.put("pecks.get", () -> t.engine.pecks().get(a1, out.id()));
      calls.put("pecks.session", () -> t.engine.pecks().session(a1, out.id()));
      long beforeCalls = head(t);
      assertAllForbidden(calls);
      assertOnlyDenials(t, beforeCalls, w.a1().agent().id());
      assertEquals(1, t.engine.keys().list(w.admin(), w.a1().agent().id()).size(), "its key was neither rotated nor revoked");

      // others cannot peck it either (P2), and the attempt is audited as denied
      long beforePeck = head(t);
      assertThrows(Forbidden.class, () -> requested(t, w.b1(), w.a1()));
      assertOneEvent(t, beforePeck, AuditAction.PECK_REQUESTED, AuditOutcome.DENIED, w.b1().agent().id(), "peck");

      long beforeUnblock = head(t);
      t.engine.blocks().unblockPlatformWide(w.admin(), w.a1().agent().id(), ReasonCode.NONE);
      assertOneEvent(t, beforeUnblock, AuditAction.IDENTITY_UNBLOCKED, AuditOutcome.SUCCESS, b.by(), w.a1().agent().id().value());
      assertEquals(IdentityStatus.ACTIVE, status(t, w.admin(), w.a1().agent().id()));
      assertEquals(w.a1().agent().id(), t.engine.authenticate(a1).id(), "the same key works again");
      t.engine.pulses().pulse(a1, "back");
      assertEquals(PeckState.REQUESTED, requested(t, w.a1(), w.b2()).state());
      assertEquals(PeckState.REQUESTED, requested(t, w.b1(), w.a1()).state());
      assertTrue(t.engine.audit().verify(w.admin()).valid());
    }
  }

  @Test
  @Tag("A1")
  void platformBlockOfADuckling_refusesEveryCallItCouldMake_andUnblockRestores() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BeakKey dora = w.dora().key().key();
      IdentityId doraId = w.dora().duckling().id();
      t.engine.certificates().get(dora, w.a1().certificate().id()); // works before

      long before = head(t);
      t.engine.blocks().blockPlatformWide(w.admin(), doraId, WHY);
      assertOneEvent(t, before, AuditAction.IDENTITY_BLOCKED, AuditOutcome.SUCCESS, t.engine.authenticate(w.admin()).id(), doraId.value());
      assertEquals(IdentityStatus.BLOCKED, status(t, w.admin(), doraId));

      Map<String, Executable> calls = new LinkedHashMap<>();
      calls.put("authenticate", () -> t.engine.authenticate(dora));
      calls.put("identities.get", () -> t.engine.identities().get(dora, doraId));
      calls.put("certificates.get", () -> t.engine.certificates().get(dora, w.a1().certificate().id()));
      calls.put("certificates.history", () -> t.engine.certificates().history(dora, doraId));
      calls.put("certificates.renderHtml", () -> t.engine.certificates().renderHtml(dora, w.dora().certificate().id()));
      calls.put("keys.list", () -> t.engine.keys().list(dora, doraId));
      calls.put("keys.rotate", () -> t.engine.keys().rotate(dora, w.dora().key().info().id()));
      calls.put("keys.revoke", () -> t.engine.keys().revoke(dora, w.dora().key().info().id(), ReasonCode.NONE));
      calls.put("bonds.list", () -> t.engine.bonds().list(dora));
      calls.put("pulses.stale", () -> t.engine.pulses().stale(dora));
      calls.put("identities.requestDeletion", () -> t.engine.identities().requestDeletion(dora, w.dora().duckling().id(), ReasonCode.NONE));
      long beforeCalls = head(t);
      assertAllForbidden(calls);
      assertOnlyDenials(t, beforeCalls, doraId);

      t.engine.blocks().unblockPlatformWide(w.admin(), doraId, ReasonCode.NONE);
      assertEquals(IdentityStatus.ACTIVE, status(t, w.admin(), doraId));
      assertEquals(doraId, t.engine.authenticate(dora).id());
      assertEquals(w.dora().key().info().id(), t.engine.keys().list(dora, doraId).get(0).id());
    }
  }

  @Test
  @Tag("P2")
  @Tag("B3")
  void platformBlockOfAnOperator_refusesItsGovernance_closesItsAgentsOpenPecks_andUnblockRestores() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      Peck p1 = active(t, w.a1(), w.b1(), w.opB());
      Peck p2 = requested(t, w.b2(), w.a2());
      Peck p3 = requested(t, w.a2(), w.b2());
      t.engine.pecks().accept(key(w.b2()), p3.id()); // waiting for opB's approval
      Peck unrelated = requested(t, w.a1(), w.a2()); // not opB's agents: stays open
      IssuedSession s1 = t.engine.pecks().session(key(w.a1()), p1.id());

      long before = head(t);
      t.engine.blocks().blockPlatformWide(w.admin(), w.opBId(), WHY);
      AuditEvent e =
          assertOneEvent(t, before, AuditAction.IDENTITY_BLOCKED, AuditOutcome.SUCCESS, t.engine.authenticate(w.admin()).id(), w.opBId().value());
      assertEquals("3", e.details().get("pecks_closed"), e.details().toString());
      for (Peck p : List.of(p1, p2, p3)) {
        assertEquals(PeckState.CLOSED, t.engine.pecks().get(w.admin(), p.id()).state(), "pecks of the operator's agents close");
      }
      assertEquals(PeckState.REQUESTED, t.engine.pecks().get(w.admin(), unrelated.id()).state(), "other operators' pecks stay");
      assertThrows(Unauthenticated.class, () -> t.engine.pecks().verifySession(s1.token()));

      BeakKey opB = w.opB();
      Map<String, Executable> calls = new LinkedHashMap<>();
      calls.put("authenticate", () -> t.engine.authenticate(opB));
      calls.put("bonds.bond", () -> t.engine.bonds().bond(opB, "Newcomer", Tier.T1));
      calls.put("bonds.revoke", () -> t.engine.bonds().revoke(opB, w.b1().bond().id(), ReasonCode.NONE));
      calls.put("bonds.list", () -> t.engine.bonds().list(opB));
      calls.put("keys.rotate (agent's)", () -> t.engine.keys().rotate(opB, w.b1().key().info().id()));
      calls.put("identities.promote", () -> t.engine.identities().promote(opB, w.b1().agent().id(), Tier.T2));
      calls.put("pecks.pendingApprovals", () -> t.engine.pecks().pendingApprovals(opB, Optional.empty(), 10));
      calls.put("pecks.approve", () -> t.engine.pecks().approve(opB, p3.id()));
      calls.put("pecks.reject", () -> t.engine.pecks().reject(opB, p3.id(), ReasonCode.NONE));
      calls.put("pulses.stale", () -> t.engine.pulses().stale(opB));
      calls.put("pulses.latest", () -> t.engine.pulses().latest(opB, w.b1().agent().id()));
      calls.put("audit.read", () -> t.engine.audit().read(opB, AuditQuery.all()));
      calls.put("blocks.block", () -> t.engine.blocks().block(opB, w.a1().agent().id(), WHY));
      calls.put("blocks.list", () -> t.engine.blocks().list(opB));
      long beforeCalls = head(t);
      assertAllForbidden(calls);
      assertOnlyDenials(t, beforeCalls, w.opBId());

      // the operator's agents can be pecked by no one while it is blocked (P2)
      long beforePeck = head(t);
      assertThrows(Forbidden.class, () -> requested(t, w.a1(), w.b1()));
      assertOneEvent(t, beforePeck, AuditAction.PECK_REQUESTED, AuditOutcome.DENIED, w.a1().agent().id(), "peck");

      t.engine.blocks().unblockPlatformWide(w.admin(), w.opBId(), ReasonCode.NONE);
      assertEquals(2, t.engine.bonds().list(opB).size());
      Peck again = requested(t, w.a1(), w.b1());
      t.engine.pecks().accept(key(w.b1()), again.id());
      assertEquals(PeckState.ACTIVE, t.engine.pecks().approve(opB, again.id()).state(), "governance works again");
    }
  }

  @Test
  @Tag("A1")
  @Tag("I1")
  void onlyAdmins_blockPlatformWide_everyOtherCallerIsForbidden_andTheDenialAudited() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      IdentityId target = w.b1().agent().id();
      Map<String, BeakKey> callers =
          Map.of("a T2 operator", w.opA(), "the target's own operator", w.opB(), "a T1 duckling", w.dora().key().key(), "an agent", key(w.a1()));
      for (Map.Entry<String, BeakKey> c : callers.entrySet()) {
        IdentityId actor = t.engine.authenticate(c.getValue()).id();
        long before = head(t);
        assertThrows(Forbidden.class, () -> t.engine.blocks().blockPlatformWide(c.getValue(), target, WHY), c.getKey());
        assertOneEvent(t, before, AuditAction.IDENTITY_BLOCKED, AuditOutcome.DENIED, actor, target.value());
        long beforeUnblock = head(t);
        assertThrows(Forbidden.class, () -> t.engine.blocks().unblockPlatformWide(c.getValue(), target, WHY), c.getKey());
        assertOneEvent(t, beforeUnblock, AuditAction.IDENTITY_UNBLOCKED, AuditOutcome.DENIED, actor, target.value());
        assertEquals(IdentityStatus.ACTIVE, status(t, w.admin(), target), c.getKey() + " changed the target");
      }

      // the admin's own mistakes are refused without a state change
      IdentityId admin = t.engine.authenticate(w.admin()).id();
      assertThrows(InvalidInput.class, () -> t.engine.blocks().blockPlatformWide(w.admin(), admin, WHY), "an admin cannot block itself");
      assertThrows(Conflict.class, () -> t.engine.blocks().unblockPlatformWide(w.admin(), target, WHY), "not blocked");
      assertThrows(NotFound.class, () -> t.engine.blocks().blockPlatformWide(w.admin(), new io.spaceduck.api.AgentId("ag_" + "z".repeat(26)), WHY));
      t.engine.blocks().blockPlatformWide(w.admin(), target, WHY);
      long before = head(t);
      assertThrows(Conflict.class, () -> t.engine.blocks().blockPlatformWide(w.admin(), target, WHY), "already blocked");
      assertEquals(List.of(), since(t, before), "a conflict leaves no event");
      assertEquals(1, t.engine.blocks().list(w.admin()).stream().filter(Block::platformWide).count(), "the admin sees the platform block");
    }
  }

  // ------------------------------------------------------------------ operator block lists

  @Test
  @Tag("P2")
  @Tag("A1")
  void blockListedAgent_cannotPeckTheOperatorsAgents_itsOpenPecksClose_andUnblockRestores() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      Peck out = active(t, w.a1(), w.b1(), w.opB());
      Peck in = requested(t, w.b2(), w.a1());
      Peck sibling = requested(t, w.a2(), w.b1()); // a2 is not on the list
      IssuedSession session = t.engine.pecks().session(key(w.b1()), out.id());

      long before = head(t);
      Block b = t.engine.blocks().block(w.opB(), w.a1().agent().id(), WHY);
      assertEquals(new Block(w.a1().agent().id(), Optional.of(w.opBId()), w.opBId(), t.clock.instant(), WHY), b);
      AuditEvent e = assertOneEvent(t, before, AuditAction.BLOCKLIST_ADDED, AuditOutcome.SUCCESS, w.opBId(), w.a1().agent().id().value());
      assertEquals("2", e.details().get("pecks_closed"), e.details().toString());
      assertEquals(Optional.of(w.opBId().value()), e.scope());
      assertEquals(PeckState.CLOSED, t.engine.pecks().get(w.admin(), out.id()).state());
      assertEquals(PeckState.CLOSED, t.engine.pecks().get(w.admin(), in.id()).state());
      assertEquals(PeckState.REQUESTED, t.engine.pecks().get(w.admin(), sibling.id()).state(), "another agent's peck stays");
      assertThrows(Unauthenticated.class, () -> t.engine.pecks().verifySession(session.token()));
      assertEquals(List.of(b), t.engine.blocks().list(w.opB()));
      assertEquals(List.of(), t.engine.blocks().list(w.opA()), "the list is opB's");
      assertEquals(IdentityStatus.ACTIVE, status(t, w.admin(), w.a1().agent().id()), "a list entry is not a platform block");

      for (BondResult target : List.of(w.b1(), w.b2())) {
        long beforePeck = head(t);
        Forbidden f = assertThrows(Forbidden.class, () -> requested(t, w.a1(), target));
        assertEquals("blocked by the target's operator", f.getMessage());
        assertOneEvent(t, beforePeck, AuditAction.PECK_REQUESTED, AuditOutcome.DENIED, w.a1().agent().id(), "peck");
      }
      assertEquals(PeckState.REQUESTED, requested(t, w.a2(), w.b2()).state(), "only the listed agent is refused");
      t.engine.pulses().pulse(key(w.a1()), "otherwise fine"); // the list only concerns pecks

      long beforeUnblock = head(t);
      t.engine.blocks().unblock(w.opB(), w.a1().agent().id(), ReasonCode.NONE);
      assertOneEvent(t, beforeUnblock, AuditAction.BLOCKLIST_REMOVED, AuditOutcome.SUCCESS, w.opBId(), w.a1().agent().id().value());
      assertEquals(List.of(), t.engine.blocks().list(w.opB()));
      Peck again = requested(t, w.a1(), w.b1());
      t.engine.pecks().accept(key(w.b1()), again.id());
      assertEquals(PeckState.ACTIVE, t.engine.pecks().approve(w.opB(), again.id()).state());
    }
  }

  @Test
  @Tag("P2")
  @Tag("A1")
  void blockListedOperator_barsEveryOneOfItsAgents_andUnblockRestores() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      Peck p1 = active(t, w.a1(), w.b1(), w.opB());
      Peck p2 = requested(t, w.a2(), w.b2());

      long before = head(t);
      t.engine.blocks().block(w.opB(), w.opAId(), WHY);
      AuditEvent e = assertOneEvent(t, before, AuditAction.BLOCKLIST_ADDED, AuditOutcome.SUCCESS, w.opBId(), w.opAId().value());
      assertEquals("2", e.details().get("pecks_closed"), e.details().toString());
      assertEquals(PeckState.CLOSED, t.engine.pecks().get(w.admin(), p1.id()).state());
      assertEquals(PeckState.CLOSED, t.engine.pecks().get(w.admin(), p2.id()).state());
      for (BondResult requester : List.of(w.a1(), w.a2())) {
        assertThrows(Forbidden.class, () -> requested(t, requester, w.b1()), "every agent of the listed operator");
      }
      BondResult a3 = t.bond(w.opA(), "a-three", Tier.T1);
      assertThrows(Forbidden.class, () -> requested(t, a3, w.b2()), "also an agent bonded after the block");
      assertEquals(
          List.of(new Block(w.opAId(), Optional.of(w.opBId()), w.opBId(), t.clock.instant(), WHY)), t.engine.blocks().list(w.opB()));

      long beforeUnblock = head(t);
      t.engine.blocks().unblock(w.opB(), w.opAId(), ReasonCode.NONE);
      assertOneEvent(t, beforeUnblock, AuditAction.BLOCKLIST_REMOVED, AuditOutcome.SUCCESS, w.opBId(), w.opAId().value());
      assertEquals(PeckState.REQUESTED, requested(t, w.a2(), w.b1()).state());
      assertEquals(PeckState.REQUESTED, requested(t, a3, w.b2()).state());
    }
  }

  @Test
  @Tag("A1")
  @Tag("I4")
  void blockLists_refuseBadChanges_andOnlyOperatorsKeepThem() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      long before = head(t);
      assertThrows(InvalidInput.class, () -> t.engine.blocks().block(w.opB(), w.opBId(), WHY), "itself");
      assertThrows(InvalidInput.class, () -> t.engine.blocks().block(w.opB(), w.b1().agent().id(), WHY), "its own agent");
      assertThrows(NotFound.class, () -> t.engine.blocks().unblock(w.opB(), w.a1().agent().id(), WHY), "not on the list");
      assertEquals(List.of(), since(t, before), "refused changes leave no event and no entry");
      assertEquals(List.of(), t.engine.blocks().list(w.opB()));

      t.engine.blocks().block(w.opB(), w.a1().agent().id(), WHY);
      long afterFirst = head(t);
      assertThrows(Conflict.class, () -> t.engine.blocks().block(w.opB(), w.a1().agent().id(), WHY), "twice");
      assertEquals(List.of(), since(t, afterFirst));
      assertEquals(1, t.engine.blocks().list(w.opB()).size());

      for (BeakKey notAnOperator : List.of(w.dora().key().key(), key(w.b1()))) {
        IdentityId actor = t.engine.authenticate(notAnOperator).id();
        long b = head(t);
        assertThrows(Forbidden.class, () -> t.engine.blocks().block(notAnOperator, w.a2().agent().id(), WHY));
        assertOneEvent(t, b, AuditAction.BLOCKLIST_ADDED, AuditOutcome.DENIED, actor, w.a2().agent().id().value());
        assertThrows(Forbidden.class, () -> t.engine.blocks().list(notAnOperator));
      }
      assertTrue(t.engine.audit().verify(w.admin()).valid());
    }
  }
}
