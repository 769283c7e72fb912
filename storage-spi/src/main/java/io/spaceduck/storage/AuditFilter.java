package io.spaceduck.storage;

import io.spaceduck.api.AuditEvent;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A filter over audit events; all present conditions must hold. {@code visibleTo} implements A4: the
 * event's actor or scope is that operator.
 */
public record AuditFilter(
    Optional<String> visibleTo,
    Optional<String> action,
    Optional<String> actor,
    Optional<String> resource,
    Optional<Instant> from,
    Optional<Instant> to) {
  public AuditFilter {
    Objects.requireNonNull(visibleTo);
    Objects.requireNonNull(action);
    Objects.requireNonNull(actor);
    Objects.requireNonNull(resource);
    Objects.requireNonNull(from);
    Objects.requireNonNull(to);
  }

  public static final AuditFilter ALL =
      new AuditFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  /** The reference semantics every backend must match. */
  public boolean matches(AuditEvent e) {
    return visibleTo.map(v -> v.equals(e.actor()) || e.scope().map(v::equals).orElse(false)).orElse(true)
        && action.map(e.action()::equals).orElse(true)
        && actor.map(e.actor()::equals).orElse(true)
        && resource.map(e.resource()::equals).orElse(true)
        && from.map(f -> !e.timestamp().isBefore(f)).orElse(true)
        && to.map(t -> e.timestamp().isBefore(t)).orElse(true);
  }
}
