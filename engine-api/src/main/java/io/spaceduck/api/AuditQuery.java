package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A filtered, paginated read of the audit log (A4). Pages are ordered by {@code seq}; pass the
 * previous page's {@link AuditPage#nextAfterSeq()} as {@code afterSeq} to continue. Filters combine
 * with AND. An operator sees only events of its governance whatever the filters say; an admin sees
 * all.
 *
 * @param action an action code filter, at most {@value #MAX_FILTER} characters
 * @param actor an actor id filter, at most {@value #MAX_FILTER} characters
 * @param resource a resource id filter, at most {@value #MAX_FILTER} characters
 * @param afterSeq return events with {@code seq > afterSeq}
 * @param limit page size, 1–1000
 */
public record AuditQuery(
    Optional<String> action,
    Optional<String> actor,
    Optional<String> resource,
    Optional<Instant> from,
    Optional<Instant> to,
    long afterSeq,
    int limit) {
  public static final int MAX_LIMIT = 1000;
  /** The longest action, actor or resource filter: every id and action code is far shorter. */
  public static final int MAX_FILTER = 256;

  public AuditQuery {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    for (Optional<String> f : java.util.List.of(action, actor, resource)) {
      if (f.isPresent() && f.get().length() > MAX_FILTER) {
        throw new IllegalArgumentException("audit filters are at most " + MAX_FILTER + " characters");
      }
    }
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq >= 0");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit in 1.." + MAX_LIMIT);
    }
  }

  /** All events, first page of 100. */
  public static AuditQuery all() {
    return new AuditQuery(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0, 100);
  }

  public AuditQuery withAction(String a) {
    return new AuditQuery(Optional.of(a), actor, resource, from, to, afterSeq, limit);
  }

  public AuditQuery withActor(String a) {
    return new AuditQuery(action, Optional.of(a), resource, from, to, afterSeq, limit);
  }

  public AuditQuery withResource(String r) {
    return new AuditQuery(action, actor, Optional.of(r), from, to, afterSeq, limit);
  }

  public AuditQuery between(Instant fromInclusive, Instant toExclusive) {
    return new AuditQuery(action, actor, resource, Optional.of(fromInclusive), Optional.of(toExclusive), afterSeq, limit);
  }

  public AuditQuery after(long seq) {
    return new AuditQuery(action, actor, resource, from, to, seq, limit);
  }

  public AuditQuery limit(int n) {
    return new AuditQuery(action, actor, resource, from, to, afterSeq, n);
  }
}
