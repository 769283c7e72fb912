package io.spaceduck.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An agent-to-agent connection (SPEC §6). Carries no message payload, ever (P7).
 *
 * @param id the peck id
 * @param requester the requesting agent
 * @param requesterOperator the requester's operator
 * @param sponsor the T2 agent that requested on the requester's behalf (P6), if any
 * @param target the target agent
 * @param targetCert the target certificate named in the request
 * @param targetOperator the target's operator, who approves
 * @param scope the requested scope tokens
 * @param duration the requested session duration
 * @param state the current state
 * @param requestedAt when requested
 * @param requestExpiresAt when an unanswered request expires (P7)
 * @param sessionExpiresAt when the session ends, once approved
 * @param decidedBy the operator who approved or rejected, if any
 * @param approvalRule the standing rule that approved automatically (T3), if any
 * @param closedBy who closed it (an agent, an operator, or {@code system} for a cascade), if closed
 * @param reason the reason of the last final transition, if any
 */
public record Peck(
    PeckId id,
    AgentId requester,
    DucklingId requesterOperator,
    Optional<AgentId> sponsor,
    AgentId target,
    CertId targetCert,
    DucklingId targetOperator,
    Set<String> scope,
    Duration duration,
    PeckState state,
    Instant requestedAt,
    Instant requestExpiresAt,
    Optional<Instant> sessionExpiresAt,
    Optional<DucklingId> decidedBy,
    Optional<RuleId> approvalRule,
    Optional<String> closedBy,
    Optional<ReasonCode> reason) {
  public Peck {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(requester, "requester");
    Objects.requireNonNull(requesterOperator, "requesterOperator");
    Objects.requireNonNull(sponsor, "sponsor");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(targetCert, "targetCert");
    Objects.requireNonNull(targetOperator, "targetOperator");
    scope = Set.copyOf(scope);
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(requestedAt, "requestedAt");
    Objects.requireNonNull(requestExpiresAt, "requestExpiresAt");
    Objects.requireNonNull(sessionExpiresAt, "sessionExpiresAt");
    Objects.requireNonNull(decidedBy, "decidedBy");
    Objects.requireNonNull(approvalRule, "approvalRule");
    Objects.requireNonNull(closedBy, "closedBy");
    Objects.requireNonNull(reason, "reason");
  }

  /** Whether {@code agent} is one of the two sides. */
  public boolean involves(IdentityId agent) {
    return requester.equals(agent) || target.equals(agent);
  }

  /** The state moved on, everything else kept. */
  public Peck withState(PeckState s) {
    return new Peck(id, requester, requesterOperator, sponsor, target, targetCert, targetOperator, scope, duration, s,
        requestedAt, requestExpiresAt, sessionExpiresAt, decidedBy, approvalRule, closedBy, reason);
  }

  /** Approved at {@code now} by {@code operator} (or by {@code rule}). */
  public Peck approved(Instant now, DucklingId operator, Optional<RuleId> rule) {
    return new Peck(id, requester, requesterOperator, sponsor, target, targetCert, targetOperator, scope, duration,
        PeckState.ACTIVE, requestedAt, requestExpiresAt, Optional.of(now.plus(duration)), Optional.of(operator), rule,
        closedBy, reason);
  }

  /** Moved to a final state by {@code by} for {@code why}. */
  public Peck ended(PeckState s, String by, ReasonCode why, Optional<DucklingId> decider) {
    return new Peck(id, requester, requesterOperator, sponsor, target, targetCert, targetOperator, scope, duration, s,
        requestedAt, requestExpiresAt, sessionExpiresAt, decider.or(() -> decidedBy), approvalRule, Optional.of(by),
        Optional.of(why));
  }
}
