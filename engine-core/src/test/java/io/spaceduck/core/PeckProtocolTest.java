package io.spaceduck.core;

import static io.spaceduck.core.PeckFixture.HOUR;
import static io.spaceduck.core.PeckFixture.SCOPE;
import static io.spaceduck.core.PeckFixture.req;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckNotifier;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pecks;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.StandingRule;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.core.PeckFixture.Ag;
import io.spaceduck.core.PeckFixture.Op;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Peck Protocol rule by rule (SPEC §6, P1–P7), each with the case that must work and the cases
 * that must be refused — with the documented refusal type and, for every {@link Forbidden}, exactly
 * one DENIED audit event (A1); every success exactly one audit event (I4).
 */
class PeckProtocolTest {

  /** Two operators with one agent of each tier T0–T2, and an admin. */
  static final class World extends PeckFixtureHolder {
    final Op opA;
    final Op opB;
    final Ag a0;
    final Ag a1;
    final Ag a2;
    final Ag b0;
    final Ag b1;
    final Ag b2;

    World() {
      this(new PeckFixture());
    }

    World(PeckFixture f) {
      super(f);
      opA = f.operator("Operator A");
      opB = f.operator("Operator B");
      a0 = f.agent(opA, "a0", Tier.T0);
      a1 = f.agent(opA, "a1", Tier.T1);
      a2 = f.agent(opA, "a2", Tier.T2);
      b0 = f.agent(opB, "b0", Tier.T0);
      b1 = f.agent(opB, "b1", Tier.T1);
      b2 = f.agent(opB, "b2", Tier.T2);
    }
  }

  /** Holds the fixture so that worlds close with try-with-resources. */
  static class PeckFixtureHolder implements AutoCloseable {
    final PeckFixture f;
    final Pecks pecks;

    PeckFixtureHolder(PeckFixture f) {
      this.f = f;
      this.pecks = f.pecks;
    }

    @Override
    public void close() {
      f.close();
    }
  }

  // ================================================================== P1 request

  @Test
  @Tag("P1")
  @Tag("I4")
  void t1Agent_requests_peckIsRequestedAndAuditedOnce() {
    try (World w = new World()) {
      Instant now = w.f.t.clock.instant();
      Peck p = w.f.succeedsAudited(w.a1.id().value(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a1, w.b1));
      assertEquals(PeckState.REQUESTED, p.state());
      assertEquals(w.a1.id(), p.requester());
      assertEquals(w.opA.id(), p.requesterOperator());
      assertEquals(w.b1.id(), p.target());
      assertEquals(w.b1.cert(), p.targetCert());
      assertEquals(w.opB.id(), p.targetOperator());
      assertEquals(SCOPE, p.scope());
      assertEquals(HOUR, p.duration());
      assertEquals(Optional.empty(), p.sponsor());
      assertEquals(now, p.requestedAt());
      assertEquals(now.plus(Duration.ofHours(24)), p.requestExpiresAt(), "P7: default request lifetime 24 h");
      AuditEvent e = w.f.lastEventAbout(p.id().value());
      assertEquals(w.a1.id().value(), e.details().get("requester"));
      assertEquals(w.b1.id().value(), e.details().get("target"));
      assertFalse(e.details().containsKey("sponsor"));
      assertEquals(p, w.pecks.get(w.b1.key(), p.id()), "the target sees the same peck");
    }
  }

  @Test
  @Tag("P1")
  @Tag("A1")
  void eggAgent_cannotRequest_forbiddenAndDeniedEvent() {
    try (World w = new World()) {
      AuditEvent e = w.f.deniedAndAudited(w.a0.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a0, w.b1));
      assertEquals(ReasonCode.NOT_PERMITTED, e.reason());
      assertEquals(List.of(), w.pecks.inbox(w.b1.key(), Optional.empty(), 10), "nothing reached the target");
    }
  }

  @Test
  @Tag("P1")
  @Tag("A1")
  void ducklingKeys_cannotRequest_forbiddenAndDeniedEvent() {
    try (World w = new World()) {
      w.f.deniedAndAudited(w.opA.id(), AuditAction.PECK_REQUESTED, () -> w.pecks.request(w.opA.key(), req(w.b1)));
      w.f.deniedAndAudited(w.f.admin.duckling().id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.f.adminKey, req(w.b1)));
      assertEquals(List.of(), w.pecks.inbox(w.b1.key(), Optional.empty(), 10));
    }
  }

  @Test
  @Tag("P1")
  void request_unknownCertificate_notFound_duckling_orSelf_invalid() {
    try (World w = new World()) {
      CertId unknown = new CertId(CertId.PREFIX + "a".repeat(26));
      w.f.refusedUnaudited(NotFound.class, () -> w.pecks.request(w.a1.key(), PeckRequest.of(unknown, SCOPE, HOUR)));
      CertId ducklingCert = w.f.admin.certificate().id();
      w.f.refusedUnaudited(InvalidInput.class,
          () -> w.pecks.request(w.a1.key(), PeckRequest.of(ducklingCert, SCOPE, HOUR)));
      w.f.refusedUnaudited(InvalidInput.class, () -> w.f.request(w.a1, w.a1));
      // a sponsor cannot peck itself through its sponsored agent either
      w.f.refusedUnaudited(InvalidInput.class,
          () -> w.pecks.request(w.a2.key(), new PeckRequest(w.a2.cert(), SCOPE, HOUR, Optional.of(w.a1.id()))));
    }
  }

  // ================================================================== P6 sponsorship

  @Test
  @Tag("P6")
  @Tag("P1")
  void t2Agent_sponsorsLowerTierAgentsOfItsOperator_sponsorRecorded() {
    try (World w = new World()) {
      PeckRequest r = new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.a1.id()));
      Peck p = w.f.succeedsAudited(w.a2.id().value(), AuditAction.PECK_REQUESTED, () -> w.pecks.request(w.a2.key(), r));
      assertEquals(w.a1.id(), p.requester(), "the peck is the sponsored agent's");
      assertEquals(Optional.of(w.a2.id()), p.sponsor(), "P6: the sponsor is recorded");
      AuditEvent e = w.f.lastEventAbout(p.id().value());
      assertEquals(w.a2.id().value(), e.details().get("sponsor"), "P6: the sponsor is audited");
      assertEquals(w.a1.id().value(), e.details().get("requester"));
      // the sponsored agent's peck goes through the whole protocol, and it holds the session
      w.pecks.accept(w.b1.key(), p.id());
      w.pecks.approve(w.opB.key(), p.id());
      assertEquals(w.a1.id(), w.pecks.verifySession(w.pecks.session(w.a1.key(), p.id()).token()).subject());
      // the sponsor is involved (it may close) but holds no session: it is not a side of the peck
      assertThrows(Forbidden.class, () -> w.pecks.session(w.a2.key(), p.id()));
      w.f.succeedsAudited(w.a2.id().value(), AuditAction.PECK_CLOSED,
          () -> w.pecks.close(w.a2.key(), p.id(), ReasonCode.NO_LONGER_NEEDED));
      // SPEC §1: an Egg may pulse and read its own record only, so no sponsor makes it a side of a peck
      // (issue 15 item 12; this test sponsored the Egg a0 into a session before)
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.a2.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.a0.id()))));
    }
  }

  @Test
  @Tag("P6")
  @Tag("A1")
  void sponsorship_otherOperatorsAgent_equalTier_self_orBySubT2_forbiddenAndAudited() {
    try (World w = new World()) {
      Ag a2bis = w.f.agent(w.opA, "a2bis", Tier.T2);
      Ag a1bis = w.f.agent(w.opA, "a1bis", Tier.T1);
      // another operator's agent
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.a2.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.b0.id()))));
      // an equal-tier agent of the same operator
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.a2.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(a2bis.id()))));
      // itself
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.a2.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.a2.id()))));
      // a T1 agent may not sponsor, not even a T0 agent of its operator
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.a1.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.a0.id()))));
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.a1.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(a1bis.id()))));
      // an operator is no agent: it cannot sponsor either
      w.f.deniedAndAudited(w.opA.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.opA.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.a1.id()))));
      assertEquals(List.of(), w.pecks.inbox(w.b1.key(), Optional.empty(), 10));
    }
  }

  // ================================================================== P2 validation

  @Test
  @Tag("P2")
  @Tag("A1")
  void targetBlockedPlatformWide_forbidden_untilUnblocked() {
    try (World w = new World()) {
      w.f.engine.blocks().blockPlatformWide(w.f.adminKey, w.b1.id(), ReasonCode.POLICY_VIOLATION);
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a1, w.b1));
      w.f.engine.blocks().unblockPlatformWide(w.f.adminKey, w.b1.id(), ReasonCode.NONE);
      assertEquals(PeckState.REQUESTED, w.f.request(w.a1, w.b1).state());
    }
  }

  @Test
  @Tag("P2")
  @Tag("A1")
  void targetOperatorBlockedPlatformWide_forbidden() {
    try (World w = new World()) {
      w.f.engine.blocks().blockPlatformWide(w.f.adminKey, w.opB.id(), ReasonCode.POLICY_VIOLATION);
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a1, w.b1));
    }
  }

  @Test
  @Tag("P2")
  void requesterBlockedPlatformWide_forbidden() {
    try (World w = new World()) {
      w.f.engine.blocks().blockPlatformWide(w.f.adminKey, w.a1.id(), ReasonCode.POLICY_VIOLATION);
      // the blocked caller is refused while authenticating (Core.authenticate): Forbidden, before any unit
      assertThrows(Forbidden.class, () -> w.f.request(w.a1, w.b1));
      // its operator blocked: its agents pass authentication and are denied by P2 (audited)
      w.f.engine.blocks().blockPlatformWide(w.f.adminKey, w.opA.id(), ReasonCode.POLICY_VIOLATION);
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a2, w.b1));
    }
  }

  @Test
  @Tag("P2")
  @Tag("A1")
  void requesterOnTargetOperatorsBlockList_forbidden_otherTargetsStillWork() {
    try (World w = new World()) {
      Op opC = w.f.operator("Operator C");
      Ag c1 = w.f.agent(opC, "c1", Tier.T1);
      w.f.engine.blocks().block(w.opB.key(), w.a1.id(), ReasonCode.POLICY_VIOLATION);
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a1, w.b1));
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a1, w.b2));
      assertEquals(PeckState.REQUESTED, w.f.request(w.a2, w.b1).state(), "only the listed agent is refused");
      assertEquals(PeckState.REQUESTED, w.f.request(w.a1, c1).state(), "another operator's agents are not concerned");
      // a listed sponsor cannot request for an agent that is not listed
      w.f.engine.blocks().block(w.opB.key(), w.a2.id(), ReasonCode.POLICY_VIOLATION);
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.a2.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.a0.id()))));
      w.f.engine.blocks().unblock(w.opB.key(), w.a1.id(), ReasonCode.NONE);
      assertEquals(PeckState.REQUESTED, w.f.request(w.a1, w.b1).state(), "unblocked: allowed again");
    }
  }

  @Test
  @Tag("P2")
  @Tag("A1")
  void requesterOperatorOnTargetOperatorsBlockList_forbiddenForAllItsAgents() {
    try (World w = new World()) {
      w.f.engine.blocks().block(w.opB.key(), w.opA.id(), ReasonCode.POLICY_VIOLATION);
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a1, w.b1));
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a2, w.b2));
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED,
          () -> w.pecks.request(w.a2.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.a1.id()))));
      // the block list is the target operator's: opB's agents may still peck opA's (P2 names that list only)
      assertEquals(PeckState.REQUESTED, w.f.request(w.b1, w.a1).state());
    }
  }

  @Test
  @Tag("P2")
  @Tag("B2")
  void revokedBond_eitherSide_conflictUnaudited() {
    try (World w = new World()) {
      Ag a1bis = w.f.agent(w.opA, "a1bis", Tier.T1);
      w.f.engine.bonds().revoke(w.opB.key(), w.b1.bond(), ReasonCode.NO_LONGER_NEEDED);
      w.f.refusedUnaudited(Conflict.class, () -> w.f.request(w.a1, w.b1));
      // the requester's side: a sponsored agent whose bond is revoked
      w.f.engine.bonds().revoke(w.opA.key(), a1bis.bond(), ReasonCode.NO_LONGER_NEEDED);
      w.f.refusedUnaudited(Conflict.class,
          () -> w.pecks.request(w.a2.key(), new PeckRequest(w.b2.cert(), SCOPE, HOUR, Optional.of(a1bis.id()))));
      assertEquals(PeckState.REQUESTED, w.f.request(w.a1, w.b2).state(), "a live pair still works");
    }
  }

  @Test
  @Tag("P2")
  @Tag("C3")
  void supersededTargetCertificate_conflict_currentOneWorks() {
    try (World w = new World()) {
      BirthCertificate fresh = w.f.engine.identities().promote(w.opB.key(), w.b1.id(), Tier.T2);
      assertEquals(Optional.of(w.b1.cert()), fresh.supersedes());
      w.f.refusedUnaudited(Conflict.class, () -> w.f.request(w.a1, w.b1));
      Peck p = w.pecks.request(w.a1.key(), PeckRequest.of(fresh.id(), SCOPE, HOUR));
      assertEquals(fresh.id(), p.targetCert());
    }
  }

  @Test
  @Tag("P2")
  @Tag("A1")
  void targetAtT0_forbidden() {
    try (World w = new World()) {
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a1, w.b0));
      w.f.deniedAndAudited(w.a2.id(), AuditAction.PECK_REQUESTED, () -> w.f.request(w.a2, w.a0));
    }
  }

  @Test
  @Tag("P2")
  @Tag("P4")
  @Tag("P6")
  @Tag("A1")
  void approval_revalidatesP2_includingTheSponsor() {
    try (World w = new World()) {
      // the target's operator blocks the sponsor after acceptance: no approval (audited denial)
      Peck p = w.pecks.request(w.a2.key(), new PeckRequest(w.b1.cert(), SCOPE, HOUR, Optional.of(w.a1.id())));
      w.pecks.accept(w.b1.key(), p.id());
      w.f.engine.blocks().block(w.opB.key(), w.a2.id(), ReasonCode.POLICY_VIOLATION);
      w.f.deniedAndAudited(w.opB.id(), AuditAction.PECK_APPROVED, () -> w.pecks.approve(w.opB.key(), p.id()));
      assertFalse(w.f.state(p).state() == PeckState.ACTIVE);
      // the sponsor's bond is revoked after acceptance: no approval (a conflict, unaudited)
      Ag sponsor = w.f.agent(w.opA, "sponsor", Tier.T2);
      Peck q = w.pecks.request(sponsor.key(), new PeckRequest(w.b2.cert(), SCOPE, HOUR, Optional.of(w.a1.id())));
      w.pecks.accept(w.b2.key(), q.id());
      w.f.engine.bonds().revoke(w.opA.key(), sponsor.bond(), ReasonCode.COMPROMISED);
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.approve(w.opB.key(), q.id()));
      assertFalse(w.f.state(q).state() == PeckState.ACTIVE);
    }
  }

  // ================================================================== P3 inbox, accept, decline

  @Test
  @Tag("P3")
  void inbox_pagesOldestFirst_everyRequestExactlyOnce() {
    try (World w = new World()) {
      List<Ag> requesters = List.of(w.a1, w.a2, w.b2, w.a1, w.a2, w.b2, w.a1);
      List<PeckId> sent = new ArrayList<>();
      Ag other = w.f.agent(w.opB, "other", Tier.T1);
      Ag target = w.f.agent(w.opB, "target", Tier.T1);
      for (Ag r : requesters) {
        sent.add(w.f.request(r, target).id());
        w.f.request(r == w.b2 ? w.a1 : r, other); // noise in another inbox
        w.f.t.clock.advance(Duration.ofSeconds(1));
      }
      List<PeckId> seen = new ArrayList<>();
      Optional<PeckId> cursor = Optional.empty();
      int pages = 0;
      while (true) {
        List<Peck> page = w.pecks.inbox(target.key(), cursor, 2);
        pages++;
        assertTrue(page.size() <= 2, "page size is respected");
        if (page.isEmpty()) {
          break;
        }
        page.forEach(p -> assertEquals(target.id(), p.target(), "only requests for the caller"));
        page.forEach(p -> seen.add(p.id()));
        cursor = Optional.of(page.get(page.size() - 1).id());
      }
      assertEquals(sent, seen, "every request exactly once, oldest first");
      assertEquals(5, pages, "4 pages of 2, 2, 2, 1 and the empty end");

      // a poller that keeps its cursor sees every later request, and only those
      List<PeckId> later = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        w.f.t.clock.advance(Duration.ofMillis(1 + 997L * i));
        later.add(w.f.request(requesters.get(i % requesters.size()), target).id());
      }
      List<PeckId> polled = new ArrayList<>();
      for (List<Peck> page = w.pecks.inbox(target.key(), cursor, 2); !page.isEmpty();
          page = w.pecks.inbox(target.key(), cursor, 2)) {
        page.forEach(p -> polled.add(p.id()));
        cursor = Optional.of(page.get(page.size() - 1).id());
      }
      assertEquals(later, polled, "P3: requests after the cursor are never skipped");

      // answered requests leave the inbox; the order of the rest is unchanged
      w.pecks.accept(target.key(), sent.get(1));
      w.pecks.decline(target.key(), sent.get(3), ReasonCode.NO_LONGER_NEEDED);
      List<PeckId> rest = w.pecks.inbox(target.key(), Optional.empty(), 100).stream().map(Peck::id).toList();
      List<PeckId> expected = new ArrayList<>(sent);
      expected.remove(3);
      expected.remove(1);
      expected.addAll(later);
      assertEquals(expected, rest);
      // an operator's own inbox is empty (it is not an agent); another agent sees only its own
      assertEquals(List.of(), w.pecks.inbox(w.opB.key(), Optional.empty(), 100));
      assertEquals(List.of(), w.pecks.inbox(w.b1.key(), Optional.empty(), 100));
    }
  }

  @Test
  @Tag("P3")
  @Tag("A1")
  void accept_onlyByTargetAgent_deniedOthersAudited() {
    try (World w = new World()) {
      Peck p = w.f.request(w.a1, w.b1);
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_ACCEPTED, () -> w.pecks.accept(w.a1.key(), p.id()));
      w.f.deniedAndAudited(w.b2.id(), AuditAction.PECK_ACCEPTED, () -> w.pecks.accept(w.b2.key(), p.id()));
      w.f.deniedAndAudited(w.opB.id(), AuditAction.PECK_ACCEPTED, () -> w.pecks.accept(w.opB.key(), p.id()));
      w.f.deniedAndAudited(w.f.admin.duckling().id(), AuditAction.PECK_ACCEPTED,
          () -> w.pecks.accept(w.f.adminKey, p.id()));
      assertEquals(PeckState.REQUESTED, w.f.state(p).state(), "denials change nothing");
      Peck accepted = w.f.succeedsAudited(w.b1.id().value(), AuditAction.PECK_ACCEPTED,
          () -> w.pecks.accept(w.b1.key(), p.id()));
      assertEquals(PeckState.ACCEPTED, accepted.state());
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.accept(w.b1.key(), p.id()));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.decline(w.b1.key(), p.id(), ReasonCode.NONE));
      assertEquals(List.of(p.id()),
          w.pecks.pendingApprovals(w.opB.key(), Optional.empty(), 10).stream().map(Peck::id).toList());
      assertEquals(List.of(), w.pecks.pendingApprovals(w.opA.key(), Optional.empty(), 10), "not the requester side's");
    }
  }

  @Test
  @Tag("P3")
  @Tag("A1")
  void decline_byTarget_final_othersDenied() {
    try (World w = new World()) {
      Peck p = w.f.request(w.a1, w.b1);
      w.f.deniedAndAudited(w.a1.id(), AuditAction.PECK_DECLINED,
          () -> w.pecks.decline(w.a1.key(), p.id(), ReasonCode.NO_LONGER_NEEDED));
      w.f.deniedAndAudited(w.opB.id(), AuditAction.PECK_DECLINED,
          () -> w.pecks.decline(w.opB.key(), p.id(), ReasonCode.NO_LONGER_NEEDED));
      Peck d = w.f.succeedsAudited(w.b1.id().value(), AuditAction.PECK_DECLINED,
          () -> w.pecks.decline(w.b1.key(), p.id(), ReasonCode.of("not_interested")));
      assertEquals(PeckState.DECLINED, d.state());
      assertEquals(Optional.of(ReasonCode.of("not_interested")), d.reason());
      assertEquals(Optional.of(w.b1.id().value()), d.closedBy());
      assertEquals(ReasonCode.of("not_interested"), w.f.lastEventAbout(p.id().value()).reason());
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.accept(w.b1.key(), p.id()));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.decline(w.b1.key(), p.id(), ReasonCode.NONE));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.close(w.a1.key(), p.id(), ReasonCode.NONE));
      assertEquals(List.of(), w.pecks.inbox(w.b1.key(), Optional.empty(), 10));
    }
  }

  // ================================================================== P4 approve / reject

  @Test
  @Tag("P4")
  @Tag("I2")
  @Tag("A1")
  void approve_neverByRequesterOperator_norAgents_norStrangers_eachDenialAudited() {
    try (World w = new World()) {
      Op opC = w.f.operator("Operator C");
      Peck p = w.f.request(w.a1, w.b1);
      // before acceptance nothing can be approved, but governance is checked first
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.approve(w.opB.key(), p.id()));
      w.pecks.accept(w.b1.key(), p.id());
      w.f.deniedAndAudited(w.opA.id(), AuditAction.PECK_APPROVED, () -> w.pecks.approve(w.opA.key(), p.id()));
      w.f.deniedAndAudited(opC.id(), AuditAction.PECK_APPROVED, () -> w.pecks.approve(opC.key(), p.id()));
      for (Ag agent : List.of(w.b1, w.a1, w.b2, w.a2)) {
        AuditEvent e =
            w.f.deniedAndAudited(agent.id(), AuditAction.PECK_APPROVED, () -> w.pecks.approve(agent.key(), p.id()));
        assertEquals(p.id().value(), e.resource(), "the denial names the peck");
      }
      w.f.deniedAndAudited(w.opA.id(), AuditAction.PECK_REJECTED,
          () -> w.pecks.reject(w.opA.key(), p.id(), ReasonCode.POLICY_VIOLATION));
      w.f.deniedAndAudited(w.b1.id(), AuditAction.PECK_REJECTED,
          () -> w.pecks.reject(w.b1.key(), p.id(), ReasonCode.POLICY_VIOLATION));
      assertEquals(PeckState.ACCEPTED, w.f.state(p).state(), "no denial changed the peck");

      Peck active = w.f.succeedsAudited(w.opB.id().value(), AuditAction.PECK_APPROVED,
          () -> w.pecks.approve(w.opB.key(), p.id()));
      assertEquals(PeckState.ACTIVE, active.state());
      assertEquals(Optional.of(w.opB.id()), active.decidedBy());
      assertEquals(Optional.of(w.f.t.clock.instant().plus(HOUR)), active.sessionExpiresAt());
      assertEquals("false", w.f.lastEventAbout(p.id().value()).details().get("automatic"));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.approve(w.opB.key(), p.id()));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.reject(w.opB.key(), p.id(), ReasonCode.NONE));
    }
  }

  @Test
  @Tag("P4")
  void adminMayApprove_targetOperatorMayReject() {
    try (World w = new World()) {
      Peck p = w.f.request(w.a1, w.b1);
      w.pecks.accept(w.b1.key(), p.id());
      Peck byAdmin = w.f.succeedsAudited(w.f.admin.duckling().id().value(), AuditAction.PECK_APPROVED,
          () -> w.pecks.approve(w.f.adminKey, p.id()));
      assertEquals(Optional.of(w.f.admin.duckling().id()), byAdmin.decidedBy());

      Peck q = w.f.request(w.a2, w.b2);
      w.pecks.accept(w.b2.key(), q.id());
      Peck rejected = w.f.succeedsAudited(w.opB.id().value(), AuditAction.PECK_REJECTED,
          () -> w.pecks.reject(w.opB.key(), q.id(), ReasonCode.POLICY_VIOLATION));
      assertEquals(PeckState.REJECTED, rejected.state());
      assertEquals(Optional.of(w.opB.id()), rejected.decidedBy());
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.approve(w.opB.key(), q.id()));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.session(w.a2.key(), q.id()));
    }
  }

  @Test
  @Tag("P4")
  @Tag("I2")
  @Tag("A1")
  void sameOperatorPeck_onlyAnAdminWhoIsNotTheRequesterOperator_decides() {
    try (World w = new World()) {
      Ag a1bis = w.f.agent(w.opA, "a1bis", Tier.T1);
      Peck p = w.f.request(w.a1, a1bis);
      w.pecks.accept(a1bis.key(), p.id());
      w.f.deniedAndAudited(w.opA.id(), AuditAction.PECK_APPROVED, () -> w.pecks.approve(w.opA.key(), p.id()));
      w.f.deniedAndAudited(w.opA.id(), AuditAction.PECK_REJECTED,
          () -> w.pecks.reject(w.opA.key(), p.id(), ReasonCode.NONE));
      Peck active = w.pecks.approve(w.f.adminKey, p.id());
      assertEquals(PeckState.ACTIVE, active.state());

      // the admin as the operator of both sides is the requesting side too: nobody may approve
      Ag x = w.f.adminAgent("x", Tier.T1);
      Ag y = w.f.adminAgent("y", Tier.T1);
      Peck q = w.f.request(x, y);
      w.pecks.accept(y.key(), q.id());
      w.f.deniedAndAudited(w.f.admin.duckling().id(), AuditAction.PECK_APPROVED,
          () -> w.pecks.approve(w.f.adminKey, q.id()));
      // the admin as the requester's operator may not decide a peck to another operator's agent
      Peck r = w.f.request(x, w.b1);
      w.pecks.accept(w.b1.key(), r.id());
      w.f.deniedAndAudited(w.f.admin.duckling().id(), AuditAction.PECK_APPROVED,
          () -> w.pecks.approve(w.f.adminKey, r.id()));
      assertEquals(PeckState.ACTIVE, w.pecks.approve(w.opB.key(), r.id()).state());
    }
  }

  // ================================================================== P5 sessions

  @Test
  @Tag("P5")
  void sessionTokens_forBothAgents_sayWhoIsWho_andCarryNoKey() {
    try (World w = new World()) {
      Peck p = w.f.active(w.a1, w.b1, w.opB.key());
      IssuedSession sa = w.pecks.session(w.a1.key(), p.id());
      IssuedSession sb = w.pecks.session(w.b1.key(), p.id());
      Session va = w.pecks.verifySession(sa.token());
      Session vb = w.pecks.verifySession(sb.token());
      assertEquals(new Session(p.id(), w.a1.id(), w.b1.id(), SCOPE, p.sessionExpiresAt().orElseThrow()), va);
      assertEquals(new Session(p.id(), w.b1.id(), w.a1.id(), SCOPE, p.sessionExpiresAt().orElseThrow()), vb);
      assertEquals(sa.session(), va);
      // operators and third agents hold no session of it
      assertThrows(Forbidden.class, () -> w.pecks.session(w.opA.key(), p.id()));
      assertThrows(Forbidden.class, () -> w.pecks.session(w.b2.key(), p.id()));
      // neither side learns a key: the token carries no Beak Key material, and prints redacted
      for (IssuedSession s : List.of(sa, sb)) {
        String raw = s.token().reveal();
        String payload = new String(Base64.getUrlDecoder().decode(raw.split("\\.")[1]), StandardCharsets.UTF_8);
        for (Ag a : List.of(w.a1, w.b1)) {
          assertFalse(payload.contains(a.key().reveal()) || payload.contains(a.keyId().value()), "no key in the token");
        }
        assertFalse(s.token().toString().contains(raw.substring(0, 20)), "toString is redacted");
        assertFalse(s.toString().contains(raw.substring(raw.length() - 20)), "IssuedSession.toString is redacted");
      }
    }
  }

  @Test
  @Tag("P5")
  void verifySession_failsAtOnce_afterClose() {
    try (World w = new World()) {
      Peck p = w.f.active(w.a1, w.b1, w.opB.key());
      SessionToken ta = w.pecks.session(w.a1.key(), p.id()).token();
      SessionToken tb = w.pecks.session(w.b1.key(), p.id()).token();
      w.pecks.verifySession(ta);
      w.pecks.verifySession(tb);
      w.pecks.close(w.b1.key(), p.id(), ReasonCode.NO_LONGER_NEEDED);
      assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(ta));
      assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(tb));
      assertThrows(Conflict.class, () -> w.pecks.session(w.a1.key(), p.id()), "no new session either");
    }
  }


  /** An active peck with verified tokens for both sides, then {@code cut}: both tokens fail at once. */
  private static void cutKillsBothTokens(World w, Ag from, Ag to, BeakKey approver, Runnable cut) {
    Peck p = w.f.active(from, to, approver);
    SessionToken ta = w.pecks.session(from.key(), p.id()).token();
    SessionToken tb = w.pecks.session(to.key(), p.id()).token();
    assertEquals(from.id(), w.pecks.verifySession(ta).subject());
    assertEquals(to.id(), w.pecks.verifySession(tb).subject());
    cut.run();
    assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(ta), "the requester's token");
    assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(tb), "the target's token");
    assertEquals(PeckState.CLOSED, w.f.state(p).state(), "the cascade closed the peck");
  }

  @Test
  @Tag("P5")
  @Tag("B2")
  @Tag("K4")
  @Tag("D1")
  void verifySession_failsAtOnce_afterEveryRevocationCascade() {
    try (World w = new World()) {
      PeckFixture f = w.f;
      // bond revoked, requester side and target side
      Ag r1 = f.agent(w.opA, "r1", Tier.T1);
      Ag t1 = f.agent(w.opB, "t1", Tier.T1);
      cutKillsBothTokens(w, r1, t1, w.opB.key(),
          () -> f.engine.bonds().revoke(w.opA.key(), r1.bond(), ReasonCode.NO_LONGER_NEEDED));
      Ag r2 = f.agent(w.opA, "r2", Tier.T1);
      Ag t2 = f.agent(w.opB, "t2", Tier.T1);
      cutKillsBothTokens(w, r2, t2, w.opB.key(),
          () -> f.engine.bonds().revoke(f.adminKey, t2.bond(), ReasonCode.COMPROMISED));
      // the agent's key revoked by its operator, by itself, or replaced by an admin (K4, K5)
      Ag r3 = f.agent(w.opA, "r3", Tier.T1);
      Ag t3 = f.agent(w.opB, "t3", Tier.T1);
      cutKillsBothTokens(w, r3, t3, w.opB.key(),
          () -> f.engine.keys().revoke(w.opA.key(), r3.keyId(), ReasonCode.COMPROMISED));
      Ag r4 = f.agent(w.opA, "r4", Tier.T1);
      Ag t4 = f.agent(w.opB, "t4", Tier.T1);
      cutKillsBothTokens(w, r4, t4, w.opB.key(),
          () -> f.engine.keys().revoke(t4.key(), t4.keyId(), ReasonCode.COMPROMISED));
      Ag r5 = f.agent(w.opA, "r5", Tier.T1);
      Ag t5 = f.agent(w.opB, "t5", Tier.T1);
      cutKillsBothTokens(w, r5, t5, w.opB.key(),
          () -> f.engine.keys().replace(f.adminKey, t5.keyId(), ReasonCode.COMPROMISED));
      // platform blocks of an agent or of an operator; an operator's block list
      Ag r6 = f.agent(w.opA, "r6", Tier.T1);
      Ag t6 = f.agent(w.opB, "t6", Tier.T1);
      cutKillsBothTokens(w, r6, t6, w.opB.key(),
          () -> f.engine.blocks().blockPlatformWide(f.adminKey, r6.id(), ReasonCode.POLICY_VIOLATION));
      Ag r7 = f.agent(w.opA, "r7", Tier.T1);
      Ag t7 = f.agent(w.opB, "t7", Tier.T1);
      cutKillsBothTokens(w, r7, t7, w.opB.key(),
          () -> f.engine.blocks().block(w.opB.key(), r7.id(), ReasonCode.POLICY_VIOLATION));
      Op opC = f.operator("Operator C");
      Ag r8 = f.agent(w.opA, "r8", Tier.T1);
      Ag t8 = f.agent(opC, "t8", Tier.T1);
      cutKillsBothTokens(w, r8, t8, opC.key(),
          () -> f.engine.blocks().blockPlatformWide(f.adminKey, opC.id(), ReasonCode.POLICY_VIOLATION));
    }
  }

  @Test
  @Tag("P5")
  @Tag("D1")
  void verifySession_failsAtOnce_afterOperatorDeletion_eitherSide() {
    try (World w = new World()) {
      PeckFixture f = w.f;
      Op opC = f.operator("Operator C");
      Ag r = f.agent(w.opA, "r", Tier.T1);
      Ag t = f.agent(opC, "t", Tier.T1);
      cutKillsBothTokens(w, r, t, opC.key(),
          () -> f.engine.identities().requestDeletion(opC.key(), opC.id(), ReasonCode.DELETION_REQUEST));
      Op opD = f.operator("Operator D");
      Ag r2 = f.agent(opD, "r2", Tier.T1);
      Ag t2 = f.agent(w.opB, "t2", Tier.T1);
      cutKillsBothTokens(w, r2, t2, w.opB.key(),
          () -> f.engine.identities().requestDeletion(f.adminKey, opD.id(), ReasonCode.DELETION_REQUEST));
    }
  }

  @Test
  @Tag("P5")
  @Tag("P7")
  void sessionToken_expiresWithTheSession() {
    try (World w = new World()) {
      Peck p = w.f.active(w.a1, w.b1, w.opB.key());
      SessionToken ta = w.pecks.session(w.a1.key(), p.id()).token();
      Instant end = p.sessionExpiresAt().orElseThrow();
      w.f.t.clock.set(end.minusSeconds(1));
      w.pecks.verifySession(ta);
      SessionToken late = w.pecks.session(w.b1.key(), p.id()).token(); // issued one second before the end
      assertEquals(end, w.pecks.verifySession(late).expiresAt(), "a late token still ends with the session");
      w.f.t.clock.set(end);
      assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(ta), "cached signature, expiry still checked");
      assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(late));
      assertThrows(Conflict.class, () -> w.pecks.session(w.a1.key(), p.id()), "no session past the end");
      w.f.t.clock.advance(Duration.ofDays(1));
      assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(ta));
    }
  }

  @Test
  @Tag("P5")
  @Tag("C2")
  void certificateJws_foreignToken_andGarbage_areUnauthenticated() throws Exception {
    try (World w = new World(); World other = new World()) {
      Peck p = w.f.active(w.a1, w.b1, w.opB.key());
      String good = w.pecks.session(w.a1.key(), p.id()).token().reveal();
      // a certificate is signed by the same keyset, yet never passes as a session (typ header)
      for (String jws : List.of(w.a1.cert(), w.b1.cert()).stream()
          .map(c -> w.f.engine.certificates().get(w.f.adminKey, c).certificate().jws()).toList()) {
        assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(SessionToken.of(jws)));
      }
      // a real token of another engine (another keyset) is foreign here, even for a peck id we may know
      Peck foreignPeck = other.f.active(other.a1, other.b1, other.opB.key());
      String foreign = other.pecks.session(other.a1.key(), foreignPeck.id()).token().reveal();
      assertEquals(other.a1.id(), other.pecks.verifySession(SessionToken.of(foreign)).subject(), "valid at home");
      assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(SessionToken.of(foreign)));
      // garbage and tampering
      String[] parts = good.split("\\.");
      List<String> garbage = new ArrayList<>(List.of(
          "", "x", "a.b.c", "...", good + "x", good.substring(0, good.length() - 1),
          parts[0] + "." + parts[1] + ".", parts[0] + "." + parts[1],
          parts[1] + "." + parts[0] + "." + parts[2],
          b64("{\"alg\":\"none\",\"typ\":\"sd-peck+jwt\"}") + "." + parts[1] + ".",
          parts[0] + "." + b64(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
              .replace(w.a1.id().value(), w.b1.id().value())) + "." + parts[2],
          "x".repeat(5000), good.replace('.', ' ')));
      char[] c = good.toCharArray();
      c[good.length() - 5] = c[good.length() - 5] == 'A' ? 'B' : 'A';
      garbage.add(new String(c));
      for (String g : garbage) {
        assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(SessionToken.of(g)), () -> "garbage " + g);
      }
      assertEquals(w.a1.id(), w.pecks.verifySession(SessionToken.of(good)).subject(), "the real one still verifies");
    }
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @Tag("P5")
  @Tag("C2")
  void sessionToken_verifiesOfflineWithNimbus_signatureAndExpiry() throws Exception {
    try (World w = new World()) {
      Peck p = w.f.active(w.a1, w.b1, w.opB.key());
      IssuedSession s = w.pecks.session(w.a1.key(), p.id());
      JWKSet jwks = JWKSet.parse(w.f.engine.certificates().publicJwks());

      SignedJWT jwt = SignedJWT.parse(s.token().reveal());
      assertEquals(JWSAlgorithm.ES256, jwt.getHeader().getAlgorithm());
      assertEquals("sd-peck+jwt", jwt.getHeader().getType().getType());
      JWK jwk = jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
      assertNotNull(jwk, "the token's kid is in the public JWK set");
      assertTrue(jwt.verify(new ECDSAVerifier(jwk.toECKey())), "Nimbus verifies the signature offline");
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      assertEquals(w.a1.id().value(), claims.getSubject());
      assertEquals(w.b1.id().value(), claims.getStringClaim("peer"));
      assertEquals(p.id().value(), claims.getStringClaim("peck_id"));
      assertEquals(String.join(" ", SCOPE), claims.getStringClaim("scope"));
      Instant exp = claims.getExpirationTime().toInstant();
      assertEquals(p.sessionExpiresAt().orElseThrow(), exp, "exp is the session's end");
      assertTrue(offlineValid(jwks, s.token().reveal(), w.f.t.clock.instant()), "valid now, offline");
      assertFalse(offlineValid(jwks, s.token().reveal(), exp), "offline check refuses at exp");

      // tampered claims fail the offline signature check
      String[] parts = s.token().reveal().split("\\.");
      String longer = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
          .replace("\"exp\":" + exp.getEpochSecond(), "\"exp\":" + (exp.getEpochSecond() + 86_400));
      String tampered = parts[0] + "." + b64(longer) + "." + parts[2];
      assertFalse(offlineValid(jwks, tampered, w.f.t.clock.instant()), "an extended exp breaks the signature");
      assertThrows(Unauthenticated.class, () -> w.pecks.verifySession(SessionToken.of(tampered)));
    }
  }

  /** What a third party does with the JWK set: ES256 signature by the named key, typ, and exp. */
  private static boolean offlineValid(JWKSet jwks, String token, Instant now) throws Exception {
    SignedJWT jwt = SignedJWT.parse(token);
    JWK jwk = jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
    return jwk != null
        && JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())
        && jwt.verify(new ECDSAVerifier(jwk.toECKey()))
        && now.isBefore(jwt.getJWTClaimsSet().getExpirationTime().toInstant());
  }

  // ================================================================== P7 expiry, no payloads

  @Test
  @Tag("P7")
  @Tag("I4")
  void request_expiresAfter24h_acceptConflict_expireDueAuditsAsSystem() {
    try (World w = new World()) {
      Peck p = w.f.request(w.a1, w.b1);
      Peck q = w.f.request(w.a2, w.b1);
      w.f.t.clock.advance(Duration.ofHours(24).minusSeconds(1));
      assertEquals(0, w.pecks.expireDue(), "nothing is due before its time");
      assertEquals(2, w.pecks.inbox(w.b1.key(), Optional.empty(), 10).size());
      assertEquals(PeckState.ACCEPTED, w.pecks.accept(w.b1.key(), q.id()).state(), "one second before: fine");
      w.f.t.clock.advance(Duration.ofSeconds(1));
      assertEquals(List.of(), w.pecks.inbox(w.b1.key(), Optional.empty(), 10), "expired requests leave the inbox");
      assertEquals(List.of(), w.pecks.pendingApprovals(w.opB.key(), Optional.empty(), 10));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.accept(w.b1.key(), p.id()));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.approve(w.opB.key(), q.id()));

      long head = w.f.head();
      assertEquals(2, w.pecks.expireDue());
      List<AuditEvent> events = w.f.since(head);
      assertEquals(2, events.size(), "one event per expired peck");
      Map<String, String> from = new java.util.HashMap<>();
      for (AuditEvent e : events) {
        assertEquals(AuditAction.PECK_EXPIRED.code(), e.action());
        assertEquals(AuditEvent.SYSTEM_ACTOR, e.actor());
        assertEquals(ReasonCode.EXPIRED, e.reason());
        assertEquals(AuditOutcome.SUCCESS, e.outcome());
        from.put(e.resource(), e.details().get("from"));
      }
      assertEquals(Map.of(p.id().value(), "REQUESTED", q.id().value(), "ACCEPTED"), from);
      for (Peck x : List.of(p, q)) {
        Peck now = w.f.state(x);
        assertEquals(PeckState.EXPIRED, now.state());
        assertEquals(Optional.of(AuditEvent.SYSTEM_ACTOR), now.closedBy());
      }
      assertEquals(0, w.pecks.expireDue(), "expiry happens once");
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.decline(w.b1.key(), p.id(), ReasonCode.NONE));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.close(w.a1.key(), p.id(), ReasonCode.NONE));
      w.f.assertChainVerifies();
    }
  }

  @Test
  @Tag("P7")
  void activePeck_expiresAtSessionEnd() {
    try (World w = new World()) {
      Peck p = w.f.active(w.a1, w.b1, w.opB.key());
      Peck q = w.f.request(w.a2, w.b2);
      w.f.t.clock.set(p.sessionExpiresAt().orElseThrow().minusSeconds(1));
      assertEquals(0, w.pecks.expireDue());
      w.f.t.clock.set(p.sessionExpiresAt().orElseThrow());
      assertEquals(1, w.pecks.expireDue(), "the session, not the fresh request");
      assertEquals(PeckState.EXPIRED, w.f.state(p).state());
      assertEquals(PeckState.REQUESTED, w.f.state(q).state());
      assertEquals("ACTIVE", w.f.lastEventAbout(p.id().value()).details().get("from"));
    }
  }

  @Test
  @Tag("P7")
  void customRequestTtl_isHonoured() {
    try (World w = new World(new PeckFixture(b -> b.peckRequestTtl(Duration.ofMinutes(10))))) {
      Peck p = w.f.request(w.a1, w.b1);
      assertEquals(p.requestedAt().plus(Duration.ofMinutes(10)), p.requestExpiresAt());
      w.f.t.clock.advance(Duration.ofMinutes(10));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.accept(w.b1.key(), p.id()));
      assertEquals(1, w.pecks.expireDue());
      assertEquals(PeckState.EXPIRED, w.f.state(p).state());
    }
  }

  private static final Pattern PAYLOAD_NAME =
      Pattern.compile(".*(payload|message|body|content|data|text|attachment|blob|bytes).*");

  @Test
  @Tag("P7")
  void theApiAcceptsNoMessagePayload() {
    for (Class<?> type : List.of(Peck.class, PeckRequest.class, Session.class, IssuedSession.class, StandingRule.class)) {
      for (RecordComponent c : type.getRecordComponents()) {
        assertFalse(PAYLOAD_NAME.matcher(c.getName().toLowerCase(Locale.ROOT)).matches(),
            () -> type.getSimpleName() + "." + c.getName() + " looks like a payload field");
        assertFalse(c.getType() == String.class || c.getType() == byte[].class || c.getType() == Object.class
                || Map.class.isAssignableFrom(c.getType()),
            () -> type.getSimpleName() + "." + c.getName() + " could carry free-form content");
      }
    }
    // no entry point takes free-form content either
    for (Method m : Pecks.class.getMethods()) {
      for (Class<?> p : m.getParameterTypes()) {
        assertFalse(p == String.class || p == byte[].class || p == Object.class || p == CharSequence.class
                || Map.class.isAssignableFrom(p) || java.io.InputStream.class.isAssignableFrom(p)
                || java.nio.ByteBuffer.class.isAssignableFrom(p),
            () -> "Pecks." + m.getName() + " takes a " + p.getSimpleName());
      }
    }
    for (Method m : PeckNotifier.class.getDeclaredMethods()) {
      assertTrue(m.getParameterCount() == 0 || List.of(m.getParameterTypes()).equals(List.of(Peck.class)));
    }
  }

  @Test
  @Tag("P7")
  @Tag("A1")
  void everyTransitionIsAudited_withNonSecretDetailsOnly() {
    try (World w = new World()) {
      long head = w.f.head();
      Peck p = w.f.active(w.a1, w.b1, w.opB.key());
      w.pecks.close(w.opA.key(), p.id(), ReasonCode.NO_LONGER_NEEDED);
      List<String> actions = w.f.since(head).stream().map(AuditEvent::action).toList();
      assertEquals(List.of("peck.requested", "peck.accepted", "peck.approved", "peck.closed"), actions);
      Set<String> allowed = Set.of("requester", "target", "target_cert", "scope", "duration", "sponsor", "automatic",
          "session_expires_at", "rule_id", "from");
      for (AuditEvent e : w.f.since(head)) {
        assertTrue(allowed.containsAll(e.details().keySet()), () -> "unexpected detail keys " + e.details());
        assertTrue(e.scope().isPresent()
                && Set.of(w.opA.id().value(), w.opB.id().value()).contains(e.scope().get()),
            () -> "A4: " + e.action() + " is scoped to one of the two operators, not " + e.scope());
      }
    }
  }

  // ================================================================== T3 standing rules

  @Test
  @Tag("P4")
  @Tag("I7")
  @Tag("A1")
  void standingRules_forbiddenWhileT3IsOff() {
    try (World w = new World()) {
      w.f.deniedAndAudited(w.opB.id(), AuditAction.STANDING_RULE_ADDED,
          () -> w.pecks.addStandingRule(w.opB.key(), w.b1.id(), SCOPE, HOUR));
      w.f.deniedAndAudited(w.opB.id(), AuditAction.TIER_PROMOTED,
          () -> w.f.engine.identities().promote(w.opB.key(), w.b1.id(), Tier.T3));
      // with no rule, acceptance waits for a human
      Peck p = w.f.request(w.a1, w.b1);
      assertEquals(PeckState.ACCEPTED, w.pecks.accept(w.b1.key(), p.id()).state());
    }
  }

  @Test
  @Tag("P4")
  @Tag("A1")
  void standingRule_approvesCoveredPecksAtOnce_auditedAsAutomatic() {
    try (World w = new World(new PeckFixture(TestEngine.t3()))) {
      BirthCertificate t3cert = w.f.engine.identities().promote(w.opB.key(), w.b1.id(), Tier.T3);
      assertEquals(Tier.T3, t3cert.tier());
      // only the target's operator, only for T3 agents
      w.f.deniedAndAudited(w.opA.id(), AuditAction.STANDING_RULE_ADDED,
          () -> w.pecks.addStandingRule(w.opA.key(), w.b1.id(), SCOPE, HOUR));
      w.f.deniedAndAudited(w.b2.id(), AuditAction.STANDING_RULE_ADDED,
          () -> w.pecks.addStandingRule(w.b2.key(), w.b1.id(), SCOPE, HOUR));
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.addStandingRule(w.opB.key(), w.b2.id(), SCOPE, HOUR));
      StandingRule rule = w.f.succeedsAudited(w.opB.id().value(), AuditAction.STANDING_RULE_ADDED,
          () -> w.pecks.addStandingRule(w.opB.key(), w.b1.id(), Set.of("chat:read", "chat:write"), Duration.ofHours(2)));
      assertTrue(rule.active());

      // covered: accepted and approved at once
      Peck p = w.pecks.request(w.a1.key(), PeckRequest.of(t3cert.id(), Set.of("chat:read"), HOUR));
      long head = w.f.head();
      Peck after = w.pecks.accept(w.b1.key(), p.id());
      assertEquals(PeckState.ACTIVE, after.state(), "the rule replaced the per-action approval");
      assertEquals(Optional.of(rule.id()), after.approvalRule());
      assertEquals(Optional.of(w.opB.id()), after.decidedBy());
      List<AuditEvent> events = w.f.since(head);
      assertEquals(List.of("peck.accepted", "peck.approved"), events.stream().map(AuditEvent::action).toList());
      AuditEvent approval = events.get(1);
      assertEquals("true", approval.details().get("automatic"));
      assertEquals(rule.id().value(), approval.details().get("rule_id"));
      assertEquals(w.opB.id().value(), approval.actor(), "attributed to the rule's operator");
      assertEquals(w.a1.id(), w.pecks.verifySession(w.pecks.session(w.a1.key(), p.id()).token()).subject());

      // outside the rule (scope, duration), or from the operator's own side: a human decides
      Peck wider = w.pecks.request(w.a2.key(), PeckRequest.of(t3cert.id(), Set.of("chat:read", "files:write"), HOUR));
      assertEquals(PeckState.ACCEPTED, w.pecks.accept(w.b1.key(), wider.id()).state());
      Peck longer = w.pecks.request(w.a2.key(), PeckRequest.of(t3cert.id(), Set.of("chat:read"), Duration.ofHours(3)));
      assertEquals(PeckState.ACCEPTED, w.pecks.accept(w.b1.key(), longer.id()).state());
      Peck ownSide = w.pecks.request(w.b2.key(), PeckRequest.of(t3cert.id(), Set.of("chat:read"), HOUR));
      assertEquals(PeckState.ACCEPTED, w.pecks.accept(w.b1.key(), ownSide.id()).state());
      // the operator's own-side peck is not listed: only an admin may decide it (P4)
      assertEquals(Set.of(wider.id(), longer.id()),
          new HashSet<>(w.pecks.pendingApprovals(w.opB.key(), Optional.empty(), 10).stream().map(Peck::id).toList()));
      assertEquals(PeckState.ACTIVE, w.pecks.approve(w.opB.key(), wider.id()).state(), "a human may still approve");

      // a removed rule approves nothing
      w.f.deniedAndAudited(w.opA.id(), AuditAction.STANDING_RULE_REMOVED,
          () -> w.pecks.removeStandingRule(w.opA.key(), rule.id()));
      assertFalse(w.pecks.removeStandingRule(w.opB.key(), rule.id()).active());
      w.f.refusedUnaudited(Conflict.class, () -> w.pecks.removeStandingRule(w.opB.key(), rule.id()));
      Peck late = w.pecks.request(w.a1.key(), PeckRequest.of(t3cert.id(), Set.of("chat:read"), HOUR));
      assertEquals(PeckState.ACCEPTED, w.pecks.accept(w.b1.key(), late.id()).state());
      w.f.assertChainVerifies();
    }
  }
}
