package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Session;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The Peck Protocol end to end: request, inbox, accept, approve, sessions, close. */
class PeckLifecycleTest {

  @Test
  @Tag("P1")
  @Tag("P3")
  @Tag("P4")
  @Tag("P5")
  void requestAcceptApproveSessionClose() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey opA = t.operator(admin, "Operator A");
      BeakKey opB = t.operator(admin, "Operator B");
      BondResult a = t.bond(opA, "alpha", Tier.T1);
      BondResult b = t.bond(opB, "beta", Tier.T1);

      Peck p = t.engine.pecks().request(a.key().key(),
          PeckRequest.of(b.certificate().id(), Set.of("chat:read"), Duration.ofHours(1)));
      assertEquals(PeckState.REQUESTED, p.state());
      assertEquals(List.of(p.id()), t.engine.pecks().inbox(b.key().key(), Optional.empty(), 10).stream().map(Peck::id).toList());

      assertEquals(PeckState.ACCEPTED, t.engine.pecks().accept(b.key().key(), p.id()).state());
      assertEquals(1, t.engine.pecks().pendingApprovals(opB, Optional.empty(), 10).size());
      Peck active = t.engine.pecks().approve(opB, p.id());
      assertEquals(PeckState.ACTIVE, active.state());

      IssuedSession sa = t.engine.pecks().session(a.key().key(), p.id());
      IssuedSession sb = t.engine.pecks().session(b.key().key(), p.id());
      Session va = t.engine.pecks().verifySession(sa.token());
      assertEquals(a.agent().id(), va.subject());
      assertEquals(b.agent().id(), va.peer());
      assertEquals(b.agent().id(), t.engine.pecks().verifySession(sb.token()).subject());
      t.engine.pecks().verifySession(sa.token()); // second sight: cached signature, live checks

      t.engine.pecks().close(a.key().key(), p.id(), ReasonCode.NO_LONGER_NEEDED);
      assertThrows(Unauthenticated.class, () -> t.engine.pecks().verifySession(sa.token()));
      assertThrows(Unauthenticated.class, () -> t.engine.pecks().verifySession(sb.token()));

      assertTrue(t.engine.audit().verify(admin).valid());
      long peckEvents = t.engine.audit().read(admin, AuditQuery.all().limit(1000)).events().stream()
          .filter(e -> e.action().startsWith("peck.")).count();
      assertEquals(4, peckEvents); // requested, accepted, approved, closed
    }
  }
}
