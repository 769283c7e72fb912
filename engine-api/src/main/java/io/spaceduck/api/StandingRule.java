package io.spaceduck.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * An operator's standing approval for its T3 agent (P4, SPEC §1): an accepted peck to {@code target}
 * whose scope is within {@code scope} and whose duration is at most {@code maxDuration} is approved
 * without a per-action decision, audited as automatic and naming the rule. Effective only while
 * {@link Feature#T3_AUTOMATION} is on and the target is T3.
 */
public record StandingRule(
    RuleId id, DucklingId operator, AgentId target, Set<String> scope, Duration maxDuration, Instant createdAt,
    boolean active) {
  public StandingRule {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(target, "target");
    scope = Set.copyOf(scope);
    Objects.requireNonNull(maxDuration, "maxDuration");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** Whether this rule covers a request with {@code requested} scope and {@code duration}. */
  public boolean covers(Set<String> requested, Duration duration) {
    return active && scope.containsAll(requested) && duration.compareTo(maxDuration) <= 0;
  }

  public StandingRule deactivated() {
    return new StandingRule(id, operator, target, scope, maxDuration, createdAt, false);
  }
}
