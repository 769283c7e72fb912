package io.spaceduck.api;

import java.util.List;
import java.util.OptionalLong;

/**
 * One page of audit events in {@code seq} order.
 *
 * @param events the events
 * @param nextAfterSeq the cursor for the next page; empty when this page is the last one so far
 */
public record AuditPage(List<AuditEvent> events, OptionalLong nextAfterSeq) {
  public AuditPage {
    events = List.copyOf(events);
    java.util.Objects.requireNonNull(nextAfterSeq, "nextAfterSeq");
  }
}
