package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Permission;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * The peck state machine (P1–P4, P6, P7): request, accept, decline, approve, reject, close and
 * expire, each with the checks of its rule, and the pair validation they share (P2). Every change of
 * state goes through {@link #move} (or, for a cascade whose causing action carries the audit event,
 * {@link #write}): the row update, the notification after commit (P3) and the one audit event (P7,
 * I4).
 *
 * <p>Thread-safe.
 */
final class PeckTransitions {
  static final int MAX_SCOPE_TOKENS = 16;
  static final Duration MIN_DURATION = Duration.ofMinutes(1);
  static final Duration MAX_DURATION = Duration.ofDays(30);
  private static final Pattern SCOPE = Pattern.compile("[a-z0-9][a-z0-9:._-]{0,63}");

  /**
   * SPEC §1: "an Egg agent may pulse and read its own record only". A peck is a connection to another
   * agent and its session token (P5) the credential for it, so an Egg (T0) is never a side of a peck:
   * not as requester (P1), not as target (PECK_RESPOND), not as the subject of a sponsorship (P6), and
   * it is never handed or verified a session token. A policy may only tighten, so no host can undo it.
   */
  static final String EGG = "an Egg agent may pulse and read its own record only";

  private final Core core;

  PeckTransitions(Core core) {
    this.core = core;
  }

  // ------------------------------------------------------------ the one step of every transition

  /**
   * Moves a peck to {@code next} in {@code unit}: writes the row, queues the notification for after
   * commit (P3) and appends the unit's one audit event about the peck (P7, I4).
   */
  static Peck move(Governance.Unit unit, Versioned<Peck> row, Peck next, Optional<String> scope, ReasonCode reason,
      Map<String, String> details) {
    write(unit, row, next);
    unit.audit(next.id().value(), scope, reason, details);
    return next;
  }

  /**
   * The write part of {@link #move}, alone only for a cascade (see {@link RevocationCascade}): the
   * causing action's one event names the pecks it closed.
   */
  static void write(Governance.Unit unit, Versioned<Peck> row, Peck next) {
    unit.tx.update(Tables.PECKS, row, next);
    unit.notify.add(next);
  }

  /** What a caller's transition moves a peck to, and its audit event's scope and details. */
  private record To(Peck next, Optional<String> scope, Map<String, String> details) {}

  /** The checks of a caller's transition (P3 respond, P4 decide, close): the peck's row, or a refusal. */
  @FunctionalInterface
  private interface Checks {
    Versioned<Peck> row(Governance.Ctx ctx, PeckId id);
  }

  /** The rest of a caller's transition: its further checks and where it moves the peck. */
  @FunctionalInterface
  private interface Step {
    To to(Governance.Ctx ctx, Peck p);
  }

  /**
   * A caller's transition of peck {@code id} (accept, decline, approve, reject, close) as one
   * governance action: {@code checks}, then {@code step}, then {@link #move} with {@code reason}.
   */
  private Peck transition(BeakKey caller, PeckId id, ReasonCode reason, AuditAction action, Checks checks, Step step) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reason, "reason");
    return core.governance.govern(
        caller,
        action,
        id.value(),
        ctx -> {
          Versioned<Peck> row = checks.row(ctx, id);
          To to = step.to(ctx, row.value());
          return move(ctx, row, to.next(), to.scope(), reason, to.details());
        });
  }

  // ------------------------------------------------------------ validation

  static Set<String> scope(Set<String> requested) {
    Objects.requireNonNull(requested, "scope");
    if (requested.isEmpty() || requested.size() > MAX_SCOPE_TOKENS) {
      throw new InvalidInput("scope", "1 to " + MAX_SCOPE_TOKENS + " tokens");
    }
    for (String s : requested) {
      if (s == null || !SCOPE.matcher(s).matches()) {
        throw new InvalidInput("scope", "tokens match [a-z0-9][a-z0-9:._-]{0,63}");
      }
    }
    return new TreeSet<>(requested);
  }

  static Duration duration(Duration d) {
    Objects.requireNonNull(d, "duration");
    if (d.compareTo(MIN_DURATION) < 0 || d.compareTo(MAX_DURATION) > 0) {
      throw new InvalidInput("duration", "1 minute to 30 days");
    }
    return d;
  }

  private static Optional<String> operatorScope(Principal p) {
    return Optional.of(p.operator().map(DucklingId::value).orElse(p.id().value()));
  }

  static Agent agent(Transaction tx, AgentId id) {
    return tx.get(Tables.IDENTITIES, id.value())
        .map(Versioned::value)
        .filter(Agent.class::isInstance)
        .map(Agent.class::cast)
        .orElseThrow(() -> new NotFound("no such agent"));
  }

  /** Why a pair of agents may not be connected (P2), as a denial or a conflict; empty when they may. */
  sealed interface Invalid permits Deny, Stale {}

  private record Deny(String why) implements Invalid {}

  private record Stale(String why) implements Invalid {}

  /** P2 for the agents of {@code p}: active, bonded, unblocked, and of tiers that may be connected. */
  Optional<Invalid> checkPair(Transaction tx, Peck p) {
    AgentId requester = p.requester();
    Optional<AgentId> sponsor = p.sponsor();
    AgentId target = p.target();
    for (AgentId id : sponsor.isPresent() ? List.of(requester, sponsor.get(), target) : List.of(requester, target)) {
      Optional<Versioned<Identity>> row = tx.get(Tables.IDENTITIES, id.value());
      if (row.isEmpty() || !(row.get().value() instanceof Agent a)) {
        return Optional.of(new Stale("an agent no longer exists"));
      }
      tx.check(Tables.IDENTITIES, row.get());
      if (a.status() == IdentityStatus.BLOCKED) {
        return Optional.of(new Deny("an agent is blocked"));
      }
      if (a.status() != IdentityStatus.ACTIVE) {
        return Optional.of(new Stale("an agent is not active"));
      }
      Optional<Versioned<Bond>> bond = tx.get(Tables.BONDS, a.bond().value());
      if (bond.isEmpty() || bond.get().value().status() != BondStatus.ACTIVE) {
        return Optional.of(new Stale("an agent's bond is revoked"));
      }
      tx.check(Tables.BONDS, bond.get());
      Optional<Versioned<Identity>> op = tx.get(Tables.IDENTITIES, a.operator().value());
      op.ifPresent(o -> tx.check(Tables.IDENTITIES, o));
      if (op.isEmpty() || op.get().value().status() == IdentityStatus.BLOCKED) {
        return Optional.of(new Deny("an operator is blocked"));
      }
      if (op.get().value().status() != IdentityStatus.ACTIVE) {
        return Optional.of(new Stale("an operator is not active"));
      }
    }
    Agent t = agent(tx, target);
    Agent r = agent(tx, requester);
    if (!core.policy.allows(Permission.PECK_RESPOND, t.tier(), t.kind(), false)) {
      return Optional.of(new Deny("the target's tier may not be pecked"));
    }
    if (r.tier() == Tier.T0) {
      return Optional.of(new Deny(EGG)); // §1, also for a sponsored request stored before this rule
    }
    Optional<DucklingId> list = Optional.of(t.operator());
    List<IdentityId> candidates = new ArrayList<>(List.of(r.id(), r.operator()));
    sponsor.ifPresent(candidates::add);
    for (IdentityId c : candidates) {
      Optional<Versioned<io.spaceduck.api.Block>> b = tx.get(Tables.BLOCKS, Tables.blockKey(list, c));
      if (b.isPresent()) {
        return Optional.of(new Deny("blocked by the target's operator"));
      }
    }
    return Optional.empty();
  }

  private void requirePair(Governance.Ctx ctx, Peck p, String resource, Optional<String> scope) {
    Optional<Invalid> invalid = checkPair(ctx.tx, p);
    if (invalid.isPresent()) {
      if (invalid.get() instanceof Deny d) {
        throw ctx.deny(d.why(), resource, scope);
      }
      throw new Conflict(((Stale) invalid.get()).why());
    }
  }

  // ------------------------------------------------------------ P1, P2, P6

  Peck request(BeakKey caller, PeckRequest request) {
    Objects.requireNonNull(request, "request");
    return core.governance.govern(
        caller,
        AuditAction.PECK_REQUESTED,
        "peck",
        ctx -> {
          Principal me = ctx.caller();
          Optional<String> scopeOfMe = operatorScope(me);
          AgentId requester;
          Optional<AgentId> sponsor = Optional.empty();
          if (request.onBehalfOf().isPresent()) {
            ctx.require(Permission.PECK_SPONSOR, "peck", scopeOfMe);
            Agent subject = agent(ctx.tx, request.onBehalfOf().get());
            if (!me.operator().equals(Optional.of(subject.operator()))
                || subject.id().equals(me.id())
                || !me.tier().atLeast(subject.tier())
                || me.tier() == subject.tier()) {
              throw ctx.deny("sponsorship is for lower-tier agents of the same operator", "peck", scopeOfMe); // P6
            }
            if (subject.tier() == Tier.T0) {
              throw ctx.deny(EGG, "peck", scopeOfMe); // §1: a sponsored Egg would hold a session (P5)
            }
            requester = subject.id();
            sponsor = Optional.of((AgentId) me.id());
          } else {
            ctx.require(Permission.PECK_REQUEST, "peck", scopeOfMe); // an Egg cannot initiate (P1)
            requester = (AgentId) me.id();
          }
          Set<String> scope = scope(request.scope());
          Duration duration = duration(request.duration());
          BirthCertificate cert =
              ctx.tx.get(Tables.CERTIFICATES, request.targetCert().value())
                  .map(Versioned::value)
                  .orElseThrow(() -> new NotFound("no such certificate"));
          if (!(cert.subject() instanceof AgentId targetId)) {
            throw new InvalidInput("target_cert", "must name an agent");
          }
          if (targetId.equals(requester) || sponsor.map(targetId::equals).orElse(false)) {
            throw new InvalidInput("target_cert", "an agent cannot peck itself");
          }
          Agent target = agent(ctx.tx, targetId);
          if (!target.currentCert().equals(cert.id())) {
            throw new Conflict("the target certificate is not current"); // P2
          }
          Agent req = agent(ctx.tx, requester);
          Peck p =
              new Peck(
                  core.randoms.peckId(ctx.now),
                  requester,
                  req.operator(),
                  sponsor,
                  targetId,
                  cert.id(),
                  target.operator(),
                  scope,
                  duration,
                  PeckState.REQUESTED,
                  ctx.now,
                  ctx.now.plus(core.config.peckRequestTtl()),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty());
          requirePair(ctx, p, "peck", scopeOfMe);
          ctx.tx.insert(Tables.PECKS, p);
          ctx.notify.add(p);
          Map<String, String> details = new HashMap<>();
          details.put("requester", requester.value());
          details.put("target", targetId.value());
          details.put("target_cert", cert.id().value());
          details.put("scope", String.join(" ", scope));
          details.put("duration", duration.toString());
          sponsor.ifPresent(s -> details.put("sponsor", s.value()));
          ctx.audit(p.id().value(), scopeOfMe, ReasonCode.NONE, details);
          return p;
        });
  }

  // ------------------------------------------------------------ P3

  private static Versioned<Peck> peck(Governance.Ctx ctx, PeckId id) {
    return ctx.tx.get(Tables.PECKS, id.value()).orElseThrow(() -> new NotFound("no such peck"));
  }

  private static void requireState(Peck p, PeckState expected) {
    if (p.state() != expected) {
      throw new Conflict("the peck is " + p.state().name().toLowerCase(Locale.ROOT));
    }
  }

  private static void requireUnexpired(Peck p, Instant now) {
    if (!now.isBefore(p.requestExpiresAt())) {
      throw new Conflict("the peck request has expired"); // P7
    }
  }

  private static Optional<String> targetScope(Peck p) {
    return Optional.of(p.targetOperator().value());
  }

  /** The accept/decline checks (P3): the target agent, a pending request within its lifetime. */
  private static Versioned<Peck> response(Governance.Ctx ctx, PeckId id) {
    Versioned<Peck> row = peck(ctx, id);
    Peck p = row.value();
    Optional<String> scope = targetScope(p);
    if (!p.target().equals(ctx.caller().id())) {
      throw ctx.deny("only the target agent responds", id.value(), scope);
    }
    ctx.require(Permission.PECK_RESPOND, id.value(), scope);
    requireState(p, PeckState.REQUESTED);
    requireUnexpired(p, ctx.now);
    return row;
  }

  /** The target accepts (P3); an approval by standing rule may follow, see {@link StandingRules}. */
  Peck accept(BeakKey caller, PeckId id) {
    return transition(caller, id, ReasonCode.NONE, AuditAction.PECK_ACCEPTED, PeckTransitions::response,
        (ctx, p) -> new To(p.withState(PeckState.ACCEPTED), targetScope(p), Map.of("requester", p.requester().value())));
  }

  Peck decline(BeakKey caller, PeckId id, ReasonCode reason) {
    return transition(caller, id, reason, AuditAction.PECK_DECLINED, PeckTransitions::response,
        (ctx, p) ->
            new To(p.ended(PeckState.DECLINED, ctx.caller().id().value(), reason, Optional.empty()), targetScope(p),
                Map.of("requester", p.requester().value())));
  }

  // ------------------------------------------------------------ P4

  /** The approve/reject governance checks (P4); returns the peck's row. */
  private static Versioned<Peck> decision(Governance.Ctx ctx, PeckId id) {
    Versioned<Peck> row = peck(ctx, id);
    Peck p = row.value();
    Optional<String> scope = targetScope(p);
    ctx.require(Permission.PECK_APPROVE, id.value(), scope);
    Principal me = ctx.caller();
    if (!me.id().equals(p.targetOperator()) && !me.isAdmin()) {
      throw ctx.deny("only an operator governing the target decides", id.value(), scope);
    }
    if (me.id().equals(p.requesterOperator())) {
      throw ctx.deny("the requesting side cannot approve its own peck", id.value(), scope); // P4, I2
    }
    return row;
  }

  Peck approve(BeakKey caller, PeckId id) {
    return transition(caller, id, ReasonCode.NONE, AuditAction.PECK_APPROVED, PeckTransitions::decision,
        (ctx, p) -> {
          Optional<String> scope = targetScope(p);
          requireState(p, PeckState.ACCEPTED);
          requireUnexpired(p, ctx.now);
          requirePair(ctx, p, p.id().value(), scope);
          if (!agent(ctx.tx, p.target()).currentCert().equals(p.targetCert())) {
            throw new Conflict("the target certificate is not current"); // P2, re-checked at approval
          }
          Peck next = p.approved(ctx.now, (DucklingId) ctx.caller().id(), Optional.empty());
          return new To(next, scope,
              Map.of("automatic", "false", "session_expires_at", next.sessionExpiresAt().orElseThrow().toString()));
        });
  }

  Peck reject(BeakKey caller, PeckId id, ReasonCode reason) {
    return transition(caller, id, reason, AuditAction.PECK_REJECTED, PeckTransitions::decision,
        (ctx, p) -> {
          requireState(p, PeckState.ACCEPTED); // P4: the operator decides after the target accepted
          requireUnexpired(p, ctx.now);
          Peck next =
              p.ended(PeckState.REJECTED, ctx.caller().id().value(), reason, Optional.of((DucklingId) ctx.caller().id()));
          return new To(next, targetScope(p), Map.of());
        });
  }

  // ------------------------------------------------------------ close

  /** Whether {@code me} may see and close {@code p}: a side, the sponsor, an operator of a side, an admin. */
  static boolean involved(Principal me, Peck p) {
    return me.isAdmin()
        || p.involves(me.id())
        || p.sponsor().map(me.id()::equals).orElse(false)
        || p.requesterOperator().equals(me.id())
        || p.targetOperator().equals(me.id());
  }

  Peck close(BeakKey caller, PeckId id, ReasonCode reason) {
    return transition(caller, id, reason, AuditAction.PECK_CLOSED,
        (ctx, peckId) -> {
          Versioned<Peck> row = peck(ctx, peckId);
          Peck p = row.value();
          Optional<String> scope = operatorScope(ctx.caller());
          if (!involved(ctx.caller(), p)) {
            throw ctx.deny("not involved in the peck", peckId.value(), scope);
          }
          ctx.require(Permission.PECK_CLOSE, peckId.value(), scope);
          if (p.state().isFinal()) {
            requireState(p, PeckState.ACTIVE);
          }
          return row;
        },
        (ctx, p) ->
            new To(p.ended(PeckState.CLOSED, ctx.caller().id().value(), reason, Optional.empty()),
                operatorScope(ctx.caller()), Map.of("from", p.state().name())));
  }

  /** An authenticated read of peck {@code id} (READ_SELF); {@code reader} decides what the caller sees. */
  <T> T read(BeakKey caller, PeckId id, BiFunction<Authenticator.Auth, Peck, T> reader) {
    Objects.requireNonNull(id, "id");
    return core.governance.read(
        caller,
        Permission.READ_SELF,
        a ->
            reader.apply(
                a,
                core.storage.get(Tables.PECKS, id.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such peck"))));
  }

  // ------------------------------------------------------------ P7

  /** Expires every open peck that is due, each in its own unit audited as the engine's. */
  int expireDue() {
    Instant now = core.now();
    List<Versioned<Peck>> open = core.failClosed.guard(() -> core.storage.findBy(Tables.PECKS_BY_OPEN, Tables.OPEN));
    int expired = 0;
    for (Versioned<Peck> candidate : open) {
      if (!due(candidate.value(), now)) {
        continue;
      }
      Optional<Peck> done =
          core.governance.runAsEngine(
              AuditAction.PECK_EXPIRED,
              now,
              unit -> {
                Optional<Versioned<Peck>> row = unit.tx.get(Tables.PECKS, candidate.value().id().value());
                if (row.isEmpty() || !due(row.get().value(), now)) {
                  return Optional.empty();
                }
                Peck p = row.get().value();
                Peck next = p.ended(PeckState.EXPIRED, AuditEvent.SYSTEM_ACTOR, ReasonCode.EXPIRED, Optional.empty());
                return Optional.of(
                    move(unit, row.get(), next, targetScope(p), ReasonCode.EXPIRED, Map.of("from", p.state().name())));
              });
      if (done.isPresent()) {
        expired++;
      }
    }
    return expired;
  }

  /** Requests past their lifetime, and sessions past their end. */
  private static boolean due(Peck p, Instant now) {
    return switch (p.state()) {
      case REQUESTED, ACCEPTED -> !now.isBefore(p.requestExpiresAt());
      case ACTIVE -> !now.isBefore(p.sessionExpiresAt().orElse(Instant.MAX));
      default -> false;
    };
  }
}
