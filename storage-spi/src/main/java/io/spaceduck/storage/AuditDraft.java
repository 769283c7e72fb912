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
 * exactly. Text must be well-formed Unicode: a string with an unpaired surrogate has no UTF-8 form,
 * so two different events would share one canonical encoding and one hash (A3).
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
  /**
   * @throws IllegalArgumentException if a string holds an unpaired surrogate, or a detail is malformed
   */
  public AuditDraft {
    Codecs.checkWellFormed(Objects.requireNonNull(action, "action"), "action");
    Codecs.checkWellFormed(Objects.requireNonNull(actor, "actor"), "actor");
    Codecs.checkWellFormed(Objects.requireNonNull(resource, "resource"), "resource");
    Objects.requireNonNull(scope, "scope").ifPresent(s -> Codecs.checkWellFormed(s, "scope"));
    timestamp = Objects.requireNonNull(timestamp, "timestamp").truncatedTo(ChronoUnit.MILLIS);
    Codecs.checkWellFormed(Objects.requireNonNull(engineVersion, "engineVersion"), "engineVersion");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(outcome, "outcome");
    details = AuditEvent.copyDetails(details);
    details.values().forEach(v -> Codecs.checkWellFormed(v, "an audit detail value"));
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
