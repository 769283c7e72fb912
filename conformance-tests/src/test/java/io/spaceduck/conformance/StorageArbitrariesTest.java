package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.Block;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.RuleId;
import io.spaceduck.api.StandingRule;
import io.spaceduck.conformance.StorageArbitraries.Lineage;
import io.spaceduck.storage.Tables;
import java.time.Duration;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.statistics.Statistics;

/**
 * The kit's generators for pecks, standing rules and blocks produce what they promise: valid ids,
 * the optional fields each peck state implies, every state (so {@link Tables#PECKS_BY_OPEN} is
 * exercised with and without a key), listed blocks by their operator, and updates that keep the key.
 */
class StorageArbitrariesTest {
  private static final Pattern SCOPE = Pattern.compile("[a-z0-9][a-z0-9:._-]{0,63}");

  @Provide
  Arbitrary<Peck> pecks() {
    return StorageArbitraries.pecks();
  }

  @Property(tries = 300)
  @Tag("codec")
  @Label("generated pecks are valid and their optional fields match their state; every state occurs")
  void pecks_areConsistent(@ForAll("pecks") Peck p) {
    Statistics.label("state").collect(p.state());
    Statistics.label("open index").collect(Tables.PECKS_BY_OPEN.keyOf(p).isPresent());
    Statistics.label("state").coverage(c -> {
      for (PeckState s : PeckState.values()) {
        c.check(s).count(n -> n > 0);
      }
    });
    Statistics.label("open index").coverage(c -> {
      c.check(true).percentage(x -> x > 20);
      c.check(false).percentage(x -> x > 20);
    });

    String body = p.id().value().substring(PeckId.PREFIX.length());
    assertTrue(PeckId.isValid(p.id().value()) && body.length() >= 16 && body.length() <= 40, p.id().value());
    assertFalse(p.requester().equals(p.target()), "requester is not the target");
    p.sponsor().ifPresent(s -> assertFalse(s.equals(p.requester()) || s.equals(p.target()), "sponsor is a third agent"));
    assertTrue(p.scope().size() >= 1 && p.scope().size() <= 16 && p.scope().stream().allMatch(s -> SCOPE.matcher(s).matches()));
    assertTrue(p.duration().compareTo(Duration.ofMinutes(1)) >= 0 && p.duration().compareTo(Duration.ofDays(30)) <= 0);
    assertTrue(p.requestExpiresAt().isAfter(p.requestedAt()), "a request expires after it was made");
    assertEquals(!p.state().isFinal(), Tables.PECKS_BY_OPEN.keyOf(p).isPresent(), "open index key iff not final");

    switch (p.state()) {
      case REQUESTED, ACCEPTED -> {
        assertTrue(p.sessionExpiresAt().isEmpty() && p.decidedBy().isEmpty() && p.approvalRule().isEmpty());
        assertTrue(p.closedBy().isEmpty() && p.reason().isEmpty());
      }
      case ACTIVE -> {
        assertApproved(p);
        assertTrue(p.closedBy().isEmpty() && p.reason().isEmpty());
      }
      case DECLINED -> {
        assertEquals(p.target().value(), p.closedBy().orElseThrow(), "the target declines");
        assertTrue(p.sessionExpiresAt().isEmpty() && p.decidedBy().isEmpty() && p.reason().isPresent());
      }
      case REJECTED -> {
        assertEquals(p.decidedBy().orElseThrow().value(), p.closedBy().orElseThrow(), "the decider rejects");
        assertTrue(p.sessionExpiresAt().isEmpty() && p.reason().isPresent());
      }
      case EXPIRED -> {
        assertEquals(AuditEvent.SYSTEM_ACTOR, p.closedBy().orElseThrow());
        assertEquals(ReasonCode.EXPIRED, p.reason().orElseThrow());
      }
      case CLOSED -> assertTrue(p.closedBy().isPresent() && p.reason().isPresent());
    }
    if (p.sessionExpiresAt().isPresent()) {
      assertApproved(p); // an expired or closed peck that had been approved keeps its approval
    }
  }

  /** An approved peck: a session end within the request lifetime plus duration, a deciding operator. */
  private static void assertApproved(Peck p) {
    assertEquals(p.targetOperator(), p.decidedBy().orElseThrow(), "the target's operator approved");
    assertFalse(p.sessionExpiresAt().orElseThrow().isBefore(p.requestedAt().plus(p.duration())), "session end");
    assertTrue(p.sessionExpiresAt().orElseThrow().isBefore(p.requestExpiresAt().plus(p.duration())), "approved before expiry");
  }

  @Property(tries = 200)
  @Label("generated blocks: a listed block is by its operator and never of it; keys are ASCII")
  void blocks_areConsistent(@ForAll("blocks") Block b) {
    Statistics.label("platform-wide").collect(b.platformWide());
    Statistics.label("platform-wide").coverage(c -> {
      c.check(true).count(n -> n > 0);
      c.check(false).count(n -> n > 0);
    });
    b.operator().ifPresent(op -> {
      assertEquals(op, b.by(), "a listed block is by its operator");
      assertFalse(op.equals(b.blocked()), "an operator does not block itself");
    });
    String key = Tables.BLOCKS.keyOf(b);
    assertTrue(key.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f), key);
    assertEquals(b.operator().map(o -> o.value()).orElse(Tables.PLATFORM), Tables.BLOCKS_BY_OWNER.keyOf(b).orElseThrow());
  }

  @Provide
  Arbitrary<Block> blocks() {
    return StorageArbitraries.blocks();
  }

  @Provide
  Arbitrary<StandingRule> rules() {
    return StorageArbitraries.standingRules();
  }

  @Property(tries = 100)
  @Label("generated standing rules have valid ids and scopes")
  void rules_areValid(@ForAll("rules") StandingRule r) {
    assertTrue(RuleId.isValid(r.id().value()), r.id().value());
    assertTrue(r.scope().stream().allMatch(s -> SCOPE.matcher(s).matches()));
  }

  @Provide
  Arbitrary<Lineage<?>> newTableLineages() {
    return Arbitraries.of(Tables.PECKS, Tables.RULES, Tables.BLOCKS).flatMap(t -> StorageArbitraries.lineagesOf(t, 4));
  }

  @Property(tries = 200)
  @Tag("CAS")
  @Label("updates generated for pecks, rules and blocks keep the primary key and sometimes move index keys")
  void lineages_ofTheNewTables_keepTheirKey(@ForAll("newTableLineages") Lineage<?> l) {
    // the Lineage constructor itself refuses an update with another key; here: the updates vary
    Statistics.label("table").collect(l.table().name());
    Statistics.label("table").coverage(c -> {
      c.check("pecks").count(n -> n > 0);
      c.check("standing_rules").count(n -> n > 0);
      c.check("blocks").count(n -> n > 0);
    });
    assertFalse(l.updates().isEmpty());
  }
}
