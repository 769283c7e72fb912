package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SPEC §1, tier T0: "an Egg agent may pulse and read its own record only". A peck connects two agents
 * and its session token (P5) is the credential for that connection, so an Egg is never a side of a
 * peck — P1 already keeps it from requesting and PECK_RESPOND from being pecked, and P6 ("a T2 agent
 * may request a peck on behalf of a lower-tier agent of the same operator") must not be the way round:
 * a sponsored Egg would receive a session token. The rule holds at the request, at approval and when
 * a session token is asked for or verified (for pecks stored before the rule).
 */
class EggPeckTest {
  private static final Set<String> SCOPE = Set.of("chat:read");
  private static final Duration HOUR = Duration.ofHours(1);

  /** Olive's T2 sponsor, T1 sibling and T0 egg; Otto's T1 peer. */
  private record World(TestEngine t, BeakKey olive, BeakKey otto, BondResult sponsor, BondResult sibling, BondResult egg,
      BondResult peer) {}

  private static World world(TestEngine t) {
    BeakKey admin = t.bootstrap().key().key();
    BeakKey olive = t.operator(admin, "Olive");
    BeakKey otto = t.operator(admin, "Otto");
    return new World(t, olive, otto, t.bond(olive, "Sponsor", Tier.T2), t.bond(olive, "Sibling", Tier.T1),
        t.bond(olive, "Egg", Tier.T0), t.bond(otto, "Peer", Tier.T1));
  }

  private static PeckRequest forEgg(World w) {
    return new PeckRequest(w.peer().certificate().id(), SCOPE, HOUR, Optional.of((AgentId) w.egg().agent().id()));
  }

  @Test
  @Tag("P6")
  @Tag("P5")
  @Tag("A1")
  void sponsoringAnEgg_isRefusedAndAudited_soTheEggNeverHoldsASessionToken() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      long seq = t.storage.auditHead().map(AuditHead::seq).orElseThrow();

      Forbidden refused = assertThrows(Forbidden.class, () -> t.engine.pecks().request(w.sponsor().key().key(), forEgg(w)));

      assertEquals("an Egg agent may pulse and read its own record only", refused.getMessage());
      AuditEvent denied = t.storage.auditRange(seq + 1, 10).get(0);
      assertEquals(AuditAction.PECK_REQUESTED.code(), denied.action());
      assertEquals(AuditOutcome.DENIED, denied.outcome());
      assertEquals(w.sponsor().agent().id().value(), denied.actor());
      // P6 itself still works for a T1 sibling
      Peck p = t.engine.pecks().request(w.sponsor().key().key(),
          new PeckRequest(w.peer().certificate().id(), SCOPE, HOUR, Optional.of((AgentId) w.sibling().agent().id())));
      assertEquals(w.sibling().agent().id(), p.requester());
    }
  }

  /**
   * A sponsored peck of an Egg stored by an engine before this rule (simulated by rewriting the
   * requester of a live peck in the store): it is not approved, and an active one yields the Egg no
   * session token and verifies none.
   */
  @Test
  @Tag("P5")
  @Tag("P2")
  void anEggPeckStoredBeforeTheRule_isNeitherApprovedNorASession() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BeakKey sibling = w.sibling().key().key();
      Peck pending = t.engine.pecks().request(w.sponsor().key().key(),
          new PeckRequest(w.peer().certificate().id(), SCOPE, HOUR, Optional.of((AgentId) w.sibling().agent().id())));
      t.engine.pecks().accept(w.peer().key().key(), pending.id());
      Peck active = t.engine.pecks().request(sibling, PeckRequest.of(w.peer().certificate().id(), SCOPE, HOUR));
      t.engine.pecks().accept(w.peer().key().key(), active.id());
      t.engine.pecks().approve(w.otto(), active.id());
      IssuedSession siblings = t.engine.pecks().session(sibling, active.id());
      t.engine.pecks().verifySession(siblings.token()); // a session token of a T1 agent verifies
      rewriteRequester(t, pending, w.egg());
      rewriteRequester(t, active, w.egg());

      assertThrows(Forbidden.class, () -> t.engine.pecks().approve(w.otto(), pending.id()), "P2 at approval");
      assertEquals(PeckState.ACCEPTED, t.engine.pecks().get(w.otto(), pending.id()).state());
      assertThrows(Forbidden.class, () -> t.engine.pecks().session(w.egg().key().key(), active.id()), "P5: no token for an Egg");
      IssuedSession peers = t.engine.pecks().session(w.peer().key().key(), active.id());
      assertThrows(Unauthenticated.class, () -> t.engine.pecks().verifySession(peers.token()),
          "a session with an Egg on the other side does not verify");
    }
  }

  private static void rewriteRequester(TestEngine t, Peck p, BondResult egg) {
    t.storage.execute(tx -> {
      Versioned<Peck> row = tx.get(Tables.PECKS, p.id().value()).orElseThrow();
      Peck x = row.value();
      tx.update(Tables.PECKS, row, new Peck(x.id(), (AgentId) egg.agent().id(), x.requesterOperator(), x.sponsor(), x.target(),
          x.targetCert(), x.targetOperator(), x.scope(), x.duration(), x.state(), x.requestedAt(), x.requestExpiresAt(),
          x.sessionExpiresAt(), x.decidedBy(), x.approvalRule(), x.closedBy(), x.reason()));
      return null;
    });
  }

  @Test
  @Tag("P1")
  void anEgg_stillPulsesAndReadsItsOwnRecord() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      BeakKey egg = w.egg().key().key();
      t.engine.pulses().pulse(egg, "up");
      assertEquals(w.egg().agent().id(), t.engine.identities().get(egg, w.egg().agent().id()).id());
      assertThrows(Forbidden.class, () -> t.engine.pecks().request(egg, PeckRequest.of(w.peer().certificate().id(), SCOPE, HOUR)));
    }
  }
}
