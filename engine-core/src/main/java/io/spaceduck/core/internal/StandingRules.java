package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Feature;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Permission;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.RuleId;
import io.spaceduck.api.StandingRule;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Standing rules, T3 autonomy (§1 T3, P4 with {@code T3_AUTOMATION}, I2): an operator's rule for a
 * T3 agent, and the approval by rule that replaces the operator's per-action decision once the target
 * has accepted. Gated: while the feature is off no rule is added and none approves; the requesting
 * side never approves, not even by rule (I2).
 *
 * <p>Thread-safe.
 */
final class StandingRules {
  private final Core core;
  private final PeckTransitions transitions;

  StandingRules(Core core, PeckTransitions transitions) {
    this.core = core;
    this.transitions = transitions;
  }

  StandingRule add(BeakKey caller, AgentId target, Set<String> scope, Duration maxDuration) {
    Objects.requireNonNull(target, "target");
    return core.governance.govern(
        caller,
        AuditAction.STANDING_RULE_ADDED,
        target.value(),
        ctx -> {
          Optional<String> opScope = Optional.of(ctx.caller().id().value());
          ctx.require(Permission.MANAGE_STANDING_RULES, target.value(), opScope);
          if (!core.config.enabled(Feature.T3_AUTOMATION)) {
            throw ctx.deny("T3 is disabled (feature T3_AUTOMATION is off)", target.value(), opScope);
          }
          Agent a = PeckTransitions.agent(ctx.tx, target);
          if (!a.operator().equals(ctx.caller().id())) {
            throw ctx.deny("a standing rule is its operator's", target.value(), opScope);
          }
          if (a.tier() != Tier.T3) {
            throw new Conflict("standing rules are for T3 agents");
          }
          StandingRule r =
              new StandingRule(core.randoms.ruleId(), a.operator(), target, PeckTransitions.scope(scope),
                  PeckTransitions.duration(maxDuration), ctx.now, true);
          ctx.tx.insert(Tables.RULES, r);
          ctx.audit(r.id().value(), opScope, ReasonCode.NONE,
              Map.of("target", target.value(), "scope", String.join(" ", r.scope()), "max_duration", r.maxDuration().toString()));
          return r;
        });
  }

  StandingRule remove(BeakKey caller, RuleId id) {
    Objects.requireNonNull(id, "id");
    return core.governance.govern(
        caller,
        AuditAction.STANDING_RULE_REMOVED,
        id.value(),
        ctx -> {
          Versioned<StandingRule> row =
              ctx.tx.get(Tables.RULES, id.value()).orElseThrow(() -> new NotFound("no such rule"));
          StandingRule r = row.value();
          Optional<String> opScope = Optional.of(r.operator().value());
          ctx.require(Permission.MANAGE_STANDING_RULES, id.value(), opScope);
          if (!r.operator().equals(ctx.caller().id()) && !ctx.caller().isAdmin()) {
            throw ctx.deny("a standing rule is its operator's", id.value(), opScope);
          }
          if (!r.active()) {
            throw new Conflict("the rule is already removed");
          }
          StandingRule next = r.deactivated();
          ctx.tx.update(Tables.RULES, row, next);
          ctx.audit(id.value(), opScope, ReasonCode.NONE, Map.of("target", r.target().value()));
          return next;
        });
  }

  /**
   * P4 with T3_AUTOMATION: an active standing rule of the target's operator that covers the request
   * approves it at once, in its own unit, audited as automatic and naming the rule. Anything off — the
   * flag, the tier, the rule, P2 — leaves the peck accepted for a human decision, as does a concurrent
   * decision (someone decided first; the peck stays as they left it).
   */
  Optional<Peck> approveByRule(Peck accepted) {
    if (!core.config.enabled(Feature.T3_AUTOMATION)) {
      return Optional.empty();
    }
    Instant now = core.now();
    return core.governance.runAsEngine(
        AuditAction.PECK_APPROVED,
        now,
        unit -> {
          Optional<Versioned<Peck>> row = unit.tx.get(Tables.PECKS, accepted.id().value());
          if (row.isEmpty() || row.get().value().state() != PeckState.ACCEPTED || !now.isBefore(accepted.requestExpiresAt())) {
            return Optional.empty();
          }
          Peck p = row.get().value();
          Agent target = PeckTransitions.agent(unit.tx, p.target());
          if (target.tier() != Tier.T3) {
            return Optional.empty();
          }
          Optional<Versioned<StandingRule>> rule =
              unit.tx.findBy(Tables.RULES_BY_TARGET, p.target().value()).stream()
                  .filter(r -> r.value().operator().equals(p.targetOperator()))
                  .filter(r -> r.value().covers(p.scope(), p.duration()))
                  .findFirst();
          if (rule.isEmpty() || transitions.checkPair(unit.tx, p).isPresent()) {
            return Optional.empty();
          }
          // P2 as at a human approval: the certificate the request named must still be the
          // target's current one. checkPair checked the target's row in this unit, so a
          // promotion that lands before commit makes the unit conflict
          if (!target.currentCert().equals(p.targetCert())) {
            return Optional.empty();
          }
          if (p.requesterOperator().equals(p.targetOperator())) {
            return Optional.empty(); // the requesting side never approves, not even by rule
          }
          unit.tx.check(Tables.RULES, rule.get());
          StandingRule r = rule.get().value();
          Peck next = p.approved(now, r.operator(), Optional.of(r.id()));
          return Optional.of(
              PeckTransitions.move(unit.actingFor(r.operator()), row.get(), next, Optional.of(p.targetOperator().value()),
                  ReasonCode.NONE,
                  Map.of("automatic", "true", "rule_id", r.id().value(),
                      "session_expires_at", next.sessionExpiresAt().orElseThrow().toString())));
        });
  }
}
