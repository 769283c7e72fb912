package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pecks;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.core.PeckFixture.Ag;
import io.spaceduck.core.PeckFixture.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Pecks#active}: the live sessions (P5) a caller is a side of — an agent's own, an operator's
 * agents' (B3) — and nothing else, oldest first, paged by cursor.
 */
class PeckActiveTest {
  private static final Duration TICK = Duration.ofSeconds(1);

  /** Two operators with two T1 agents each; every peck made a second after the last (ids time-ordered). */
  private static final class World implements AutoCloseable {
    final PeckFixture f = new PeckFixture();
    final Pecks pecks = f.pecks;
    final Op opA = f.operator("Operator A");
    final Op opB = f.operator("Operator B");
    final Ag a1 = f.agent(opA, "a1", Tier.T1);
    final Ag a2 = f.agent(opA, "a2", Tier.T1);
    final Ag b1 = f.agent(opB, "b1", Tier.T1);
    final Ag b2 = f.agent(opB, "b2", Tier.T1);

    Peck active(Ag from, Ag to, Op approver) {
      return active(from, to, approver.key());
    }

    Peck active(Ag from, Ag to, BeakKey approver) {
      f.t.clock.advance(TICK);
      return f.active(from, to, approver);
    }

    Peck requested(Ag from, Ag to) {
      f.t.clock.advance(TICK);
      return f.request(from, to);
    }

    List<PeckId> ids(List<Peck> pecks) {
      return pecks.stream().map(Peck::id).toList();
    }

    List<PeckId> activeOf(Ag agent) {
      return ids(pecks.active(agent.key(), Optional.empty(), 100));
    }

    List<PeckId> activeOf(Op op) {
      return ids(pecks.active(op.key(), Optional.empty(), 100));
    }

    @Override
    public void close() {
      f.close();
    }
  }

  @Test
  @Tag("P5")
  void agent_seesItsActivePecks_onBothSides_andNothingElse() {
    try (World w = new World()) {
      Peck out = w.active(w.a1, w.b1, w.opB); // a1 requested
      Peck in = w.active(w.b2, w.a1, w.opA); // a1 is the target
      Peck others = w.active(w.a2, w.b1, w.opB); // a1 not a side
      Peck requested = w.requested(w.a1, w.b2);
      Peck accepted = w.requested(w.b1, w.a1);
      w.pecks.accept(w.a1.key(), accepted.id());
      Peck closed = w.active(w.a1, w.b2, w.opB);
      w.pecks.close(w.b2.key(), closed.id(), ReasonCode.NO_LONGER_NEEDED);
      Peck declined = w.requested(w.b2, w.a1);
      w.pecks.decline(w.a1.key(), declined.id(), ReasonCode.NO_LONGER_NEEDED);

      List<Peck> listed = w.pecks.active(w.a1.key(), Optional.empty(), 100);
      assertEquals(List.of(out.id(), in.id()), w.ids(listed), "both sides, oldest first; not requested/accepted/closed/declined/others'");
      listed.forEach(p -> assertEquals(PeckState.ACTIVE, p.state()));
      assertEquals(out.sessionExpiresAt(), listed.get(0).sessionExpiresAt(), "with its session expiry");
      assertTrue(listed.get(0).sessionExpiresAt().isPresent());
      assertEquals(List.of(out.id(), others.id()), w.activeOf(w.b1), "the peer sees the same peck from its side");
      assertEquals(List.of(in.id()), w.activeOf(w.b2));
      assertEquals(List.of(others.id()), w.activeOf(w.a2));
    }
  }

  @Test
  @Tag("P5")
  @Tag("P7")
  void aSessionPastItsEnd_isNotListed_evenBeforeTheSweep() {
    try (World w = new World()) {
      Peck first = w.active(w.a1, w.b1, w.opB); // one hour
      w.f.t.clock.advance(Duration.ofMinutes(30));
      Peck second = w.active(w.a1, w.b2, w.opB);
      assertEquals(List.of(first.id(), second.id()), w.activeOf(w.a1));
      w.f.t.clock.advance(Duration.ofMinutes(30)); // first's session ends exactly now
      assertEquals(List.of(second.id()), w.activeOf(w.a1), "an ended session, still ACTIVE in the store, is not listed");
      assertEquals(List.of(second.id()), w.activeOf(w.opA));
      assertEquals(PeckState.ACTIVE, w.f.state(first).state(), "the sweep has not run yet");
      w.pecks.expireDue();
      assertEquals(PeckState.EXPIRED, w.f.state(first).state());
      assertEquals(List.of(second.id()), w.activeOf(w.a1));
    }
  }

  @Test
  @Tag("P5")
  @Tag("B3")
  void operator_seesItsAgentsActivePecks_onBothSides_onlyItsOwn() {
    try (World w = new World()) {
      Peck aToB = w.active(w.a1, w.b1, w.opB); // opA's agent requested
      Peck bToA = w.active(w.b2, w.a2, w.opA); // opA's agent is the target
      Peck inside = w.active(w.a1, w.a2, w.f.adminKey); // both of opA's agents: listed once
      Peck bOnly = w.active(w.b1, w.b2, w.f.adminKey); // opB's own business
      Op opC = w.f.operator("Operator C");
      Ag c1 = w.f.agent(opC, "c1", Tier.T1);
      Peck cToB = w.active(c1, w.b1, w.opB);

      assertEquals(List.of(aToB.id(), bToA.id(), inside.id()), w.activeOf(w.opA), "B3: its agents' pecks, each once, oldest first");
      assertEquals(List.of(aToB.id(), bToA.id(), bOnly.id(), cToB.id()), w.activeOf(w.opB));
      assertEquals(List.of(cToB.id()), w.activeOf(opC));
      assertEquals(List.of(), w.ids(w.pecks.active(w.f.adminKey, Optional.empty(), 100)),
          "an admin lists its own agents' pecks only (it has none)");

      // a bond revoked (B2) closes its pecks: gone from both operators' lists
      w.f.engine.bonds().revoke(w.opA.key(), w.a1.bond(), ReasonCode.COMPROMISED);
      assertEquals(List.of(bToA.id()), w.activeOf(w.opA));
      assertEquals(List.of(bToA.id(), bOnly.id(), cToB.id()), w.activeOf(w.opB));
    }
  }

  @Test
  @Tag("P5")
  void active_pagesOldestFirst_byCursor_withinTheLimit() {
    try (World w = new World()) {
      List<PeckId> made = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        made.add(w.active(i % 2 == 0 ? w.a1 : w.b1, i % 2 == 0 ? w.b1 : w.a1, i % 2 == 0 ? w.opB : w.opA).id());
      }
      for (Object caller : List.of(w.a1, w.opA)) {
        List<PeckId> seen = new ArrayList<>();
        Optional<PeckId> cursor = Optional.empty();
        int pages = 0;
        while (true) {
          List<Peck> page = caller instanceof Ag ag ? w.pecks.active(ag.key(), cursor, 2) : w.pecks.active(((Op) caller).key(), cursor, 2);
          pages++;
          assertTrue(page.size() <= 2, "the limit is respected");
          if (page.isEmpty()) {
            break;
          }
          page.forEach(p -> seen.add(p.id()));
          cursor = Optional.of(page.get(page.size() - 1).id());
        }
        assertEquals(made, seen, "every active peck exactly once, oldest first");
        assertEquals(4, pages, "pages of 2, 2, 1 and the empty end");
      }
      for (int bad : new int[] {0, -1, 101, Integer.MAX_VALUE}) {
        assertThrows(InvalidInput.class, () -> w.pecks.active(w.a1.key(), Optional.empty(), bad));
      }
      w.pecks.active(w.a1.key(), Optional.empty(), 100);
    }
  }

  @Test
  @Tag("P1")
  @Tag("P5")
  void anEgg_isInNoPeck_andListsNone() {
    try (World w = new World()) {
      Ag egg = w.f.agent(w.opA, "egg", Tier.T0);
      w.active(w.a1, w.b1, w.opB);
      assertEquals(List.of(), w.activeOf(egg), "READ_SELF holds for an Egg; it is a side of nothing");
    }
  }

  @Test
  @Tag("K4")
  @Tag("P5")
  void aRevokedKey_isUnauthenticated() {
    try (World w = new World()) {
      w.active(w.a1, w.b1, w.opB);
      w.f.engine.keys().revoke(w.opA.key(), w.a1.keyId(), ReasonCode.COMPROMISED);
      w.f.refusedUnaudited(Unauthenticated.class, () -> w.pecks.active(w.a1.key(), Optional.empty(), 10));
      assertThrows(NullPointerException.class, () -> w.pecks.active(w.b1.key(), null, 10));
    }
  }
}
