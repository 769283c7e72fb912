package io.spaceduck.storage;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.ReasonCode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;

/**
 * An audit event before the store has placed it in the chain: everything but {@code seq}, {@code
 * prev_hash} and {@code hash}. The timestamp is truncated to milliseconds so every backend stores it
 * exactly.
 */
public record AuditDraft(
    String action,
    String actor,
    String resource,
    Optional<String> scope,
    Instant timestamp,
    String engineVersion,
    ReasonCode reason,
    AuditOutcome outcome,
    SortedMap<String, String> details) {
  public AuditDraft {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(scope, "scope");
    timestamp = Objects.requireNonNull(timestamp, "timestamp").truncatedTo(ChronoUnit.MILLIS);
    Objects.requireNonNull(engineVersion, "engineVersion");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(outcome, "outcome");
    details = AuditEvent.copyDetails(details);
  }

  public static AuditDraft of(
      String action,
      String actor,
      String resource,
      Optional<String> scope,
      Instant timestamp,
      String engineVersion,
      ReasonCode reason,
      AuditOutcome outcome,
      Map<String, String> details) {
    return new AuditDraft(
        action, actor, resource, scope, timestamp, engineVersion, reason, outcome, AuditEvent.copyDetails(details));
  }
}
