package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditPage;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit events appended since a mark, read the way a host reads them: through {@code
 * audit().read} with an admin's key (a read, so never audited itself). For the facet tests, which
 * reach the engine through engine-api only.
 */
final class AuditTrail {
  private final SpaceDuck engine;
  private final BeakKey admin;
  private long mark;

  AuditTrail(SpaceDuck engine, BeakKey admin) {
    this.engine = engine;
    this.admin = admin;
    List<AuditEvent> all = read(0);
    this.mark = all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
  }

  private List<AuditEvent> read(long after) {
    List<AuditEvent> events = new ArrayList<>();
    AuditQuery q = AuditQuery.all().limit(AuditQuery.MAX_LIMIT).after(after);
    while (true) {
      AuditPage page = engine.audit().read(admin, q);
      events.addAll(page.events());
      if (page.nextAfterSeq().isEmpty() || page.events().isEmpty()) {
        return events;
      }
      q = q.after(page.nextAfterSeq().getAsLong());
    }
  }

  /** The events since the mark; moves the mark past them. */
  List<AuditEvent> since() {
    List<AuditEvent> events = read(mark);
    if (!events.isEmpty()) {
      mark = events.get(events.size() - 1).seq();
    }
    return events;
  }

  /** Asserts that nothing was appended since the mark. */
  void none(String why) {
    List<AuditEvent> events = since();
    assertEquals(List.of(), events, why);
  }

  /**
   * Asserts that exactly one event was appended since the mark, with this action, actor, resource,
   * reason and outcome; returns it and moves the mark past it.
   */
  AuditEvent one(AuditAction action, IdentityId actor, String resource, ReasonCode reason, AuditOutcome outcome) {
    List<AuditEvent> events = since();
    assertEquals(1, events.size(), () -> "exactly one audit event for " + action.code() + ", got " + events);
    AuditEvent e = events.get(0);
    assertEquals(action.code(), e.action(), e::toString);
    assertEquals(actor.value(), e.actor(), e::toString);
    assertEquals(resource, e.resource(), e::toString);
    assertEquals(reason, e.reason(), e::toString);
    assertEquals(outcome, e.outcome(), e::toString);
    return e;
  }

  /** {@link #one} for a success. */
  AuditEvent success(AuditAction action, IdentityId actor, String resource, ReasonCode reason) {
    return one(action, actor, resource, reason, AuditOutcome.SUCCESS);
  }

  /** {@link #one} for a denied attempt: reason {@code not_permitted} (A1). */
  AuditEvent denied(AuditAction action, IdentityId actor, String resource) {
    return one(action, actor, resource, ReasonCode.NOT_PERMITTED, AuditOutcome.DENIED);
  }
}
