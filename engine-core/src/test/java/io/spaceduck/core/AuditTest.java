package io.spaceduck.core;

import static io.spaceduck.core.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditPage;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code audit()} facet on its own, through engine-api only: who reads which events (A4), paging
 * and filters, and who verifies the chain, with and without an expected head (A3). Tampering with a
 * stored chain is {@link AuditTamperProperties}'s subject.
 */
class AuditTest {
  /** An admin, operators Olive (agent scout) and Otto (agent ottos), a T1 duckling; Otto tried to revoke Olive's bond. */
  private record World(Cast cast, BondResult scout, BondResult ottos) implements Cast.Roles {}

  private static World world(TestEngine t) {
    Cast.Operators ops = Cast.operators(t);
    BeakKey olive = ops.olive().key().key();
    BeakKey otto = ops.otto().key().key();
    t.clock.advance(Duration.ofMinutes(10));
    BondResult scout = t.bond(olive, "scout", Tier.T1);
    BondResult ottos = t.bond(otto, "ottos", Tier.T1);
    assertThrows(Forbidden.class, () -> t.engine.bonds().revoke(otto, scout.bond().id(), ReasonCode.NONE));
    t.clock.advance(Duration.ofMinutes(10));
    t.engine.keys().rotate(olive, scout.key().info().id());
    return new World(ops.thenDora(t), scout, ottos);
  }

  /** Every page of {@code query} for {@code reader}, concatenated. */
  private static List<AuditEvent> allPages(TestEngine t, BeakKey reader, AuditQuery query) {
    List<AuditEvent> events = new ArrayList<>();
    AuditQuery q = query;
    for (int pages = 0; pages < 1000; pages++) {
      AuditPage page = t.engine.audit().read(reader, q);
      events.addAll(page.events());
      if (page.nextAfterSeq().isEmpty()) {
        return events;
      }
      q = q.after(page.nextAfterSeq().getAsLong());
    }
    throw new AssertionError("paging does not end");
  }

  // ------------------------------------------------------------------ A4 read

  @Test
  @Tag("A4")
  @Tag("A5")
  void admin_readsEveryEvent_inSeqOrder_andPagesCoverTheChainOnce() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);

      List<AuditEvent> whole = t.engine.audit().read(w.adminKey(), AuditQuery.all().limit(AuditQuery.MAX_LIMIT)).events();
      List<AuditEvent> paged = allPages(t, w.adminKey(), AuditQuery.all().limit(2));

      assertEquals(whole, paged, "pages of two, concatenated, are the whole chain");
      for (int i = 0; i < whole.size(); i++) {
        assertEquals(i + 1, whole.get(i).seq(), "gapless from 1");
      }
      assertTrue(whole.size() >= 9, whole::toString);
      AuditPage first = t.engine.audit().read(w.adminKey(), AuditQuery.all().limit(2));
      assertEquals(OptionalLong.of(2), first.nextAfterSeq());
      AuditPage last = t.engine.audit().read(w.adminKey(), AuditQuery.all().after(whole.size() - 1).limit(5));
      assertEquals(List.of(whole.get(whole.size() - 1)), last.events());
      assertEquals(OptionalLong.empty(), last.nextAfterSeq(), "a short page is the last one so far");
    }
  }

  @Test
  @Tag("A4")
  void operator_readsOnlyTheEventsOfItsGovernance_whateverTheFilters() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      String olive = w.oliveId().value();
      Predicate<AuditEvent> ofOlive = e -> e.actor().equals(olive) || e.scope().equals(Optional.of(olive));

      List<AuditEvent> all = allPages(t, w.adminKey(), AuditQuery.all());
      List<AuditEvent> seen = allPages(t, w.olive().key().key(), AuditQuery.all());

      assertEquals(all.stream().filter(ofOlive).toList(), seen, "exactly the events where Olive acts or is concerned");
      assertTrue(seen.stream().anyMatch(e -> e.resource().equals(w.scout().bond().id().value())
          && e.actor().equals(w.otto().duckling().id().value())), "Otto's denied attempt on her bond is hers to see");
      assertFalse(seen.stream().anyMatch(e -> e.resource().equals(w.ottos().bond().id().value())), "Otto's own bond is not");

      AuditQuery byOtto = AuditQuery.all().withActor(w.otto().duckling().id().value());
      assertEquals(all.stream().filter(ofOlive).filter(e -> e.actor().equals(w.otto().duckling().id().value())).toList(),
          allPages(t, w.olive().key().key(), byOtto), "a filter narrows her view, never widens it");
    }
  }

  @Test
  @Tag("A4")
  void filters_byActionActorResourceAndTime_combineWithAnd() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      List<AuditEvent> all = allPages(t, w.adminKey(), AuditQuery.all());
      String bonded = AuditAction.BOND_CREATED.code();

      assertEquals(all.stream().filter(e -> e.action().equals(bonded)).toList(),
          allPages(t, w.adminKey(), AuditQuery.all().withAction(bonded)));
      assertEquals(all.stream().filter(e -> e.action().equals(bonded) && e.actor().equals(w.oliveId().value())).toList(),
          allPages(t, w.adminKey(), AuditQuery.all().withAction(bonded).withActor(w.oliveId().value())));
      assertEquals(all.stream().filter(e -> e.resource().equals(w.scout().bond().id().value())).toList(),
          allPages(t, w.adminKey(), AuditQuery.all().withResource(w.scout().bond().id().value())));
      Instant from = TestEngine.EPOCH.plus(Duration.ofMinutes(10));
      Instant to = TestEngine.EPOCH.plus(Duration.ofMinutes(20));
      List<AuditEvent> window = allPages(t, w.adminKey(), AuditQuery.all().between(from, to));
      assertEquals(all.stream().filter(e -> !e.timestamp().isBefore(from) && e.timestamp().isBefore(to)).toList(), window);
      assertFalse(window.isEmpty());
      assertEquals(List.of(), allPages(t, w.adminKey(), AuditQuery.all().withAction("no.such.action")));
    }
  }

  @Test
  @Tag("A4")
  void read_isForbidden_toT1DucklingsAndToAgents_andNeedsAValidKey() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      long before = allPages(t, w.adminKey(), AuditQuery.all()).size();

      for (BeakKey reader : List.of(w.dora().key().key(), w.scout().key().key())) {
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.audit().read(reader, AuditQuery.all()));
      }
      Unauthenticated u = refused(Unauthenticated.class, ErrorCode.UNAUTHENTICATED,
          () -> t.engine.audit().read(BeakKey.of("bk_" + "e".repeat(69)), AuditQuery.all()));
      assertEquals(Unauthenticated.MESSAGE, u.getMessage());
      assertEquals(before, allPages(t, w.adminKey(), AuditQuery.all()).size(), "refused reads are not governance: no event");
    }
  }

  // ------------------------------------------------------------------ A3 verify

  @Test
  @Tag("A3")
  @Tag("I5")
  void verify_recomputesTheWholeChain_andAcceptsTheHeadItReported() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      List<AuditEvent> all = allPages(t, w.adminKey(), AuditQuery.all());
      AuditHead head = all.get(all.size() - 1).head();

      AuditVerification v = t.engine.audit().verify(w.adminKey());

      assertTrue(v.valid(), v::toString);
      assertEquals(all.size(), v.eventsVerified());
      assertEquals(Optional.of(head), v.head());
      assertTrue(t.engine.audit().verify(w.adminKey(), head).valid());
      AuditHead older = all.get(2).head();
      assertTrue(t.engine.audit().verify(w.adminKey(), older).valid(), "an older head is still in the chain");
    }
  }

  @Test
  @Tag("A3")
  void verify_withAHeadTheChainDoesNotHold_isInvalid() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      List<AuditEvent> all = allPages(t, w.adminKey(), AuditQuery.all());
      AuditEvent newest = all.get(all.size() - 1);

      AuditVerification beyond = t.engine.audit().verify(w.adminKey(), new AuditHead(newest.seq() + 5, newest.hash()));
      AuditVerification wrongHash = t.engine.audit().verify(w.adminKey(), new AuditHead(newest.seq(), all.get(0).hash()));

      assertFalse(beyond.valid(), "a head past the end: the newest events are missing (truncation)");
      assertTrue(beyond.problem().isPresent());
      assertFalse(wrongHash.valid(), "a head whose hash differs: the chain was rewritten");
      assertFalse(t.engine.audit().verify(w.adminKey(), new AuditHead(newest.seq(), Hash.ZERO)).valid());
    }
  }

  @Test
  @Tag("A3")
  void verify_isForAdminsOnly() {
    try (TestEngine t = new TestEngine()) {
      World w = world(t);
      AuditHead head = t.engine.audit().verify(w.adminKey()).head().orElseThrow();

      for (BeakKey caller : List.of(w.olive().key().key(), w.dora().key().key(), w.scout().key().key())) {
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.audit().verify(caller));
        refused(Forbidden.class, ErrorCode.FORBIDDEN, () -> t.engine.audit().verify(caller, head));
      }
      assertEquals(Optional.of(head), t.engine.audit().verify(w.adminKey()).head(), "refused verifications wrote nothing");
    }
  }
}
