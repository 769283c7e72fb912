package io.spaceduck.core.internal;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IdentityKind;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pecks;
import io.spaceduck.api.Permission;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.RuleId;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.StandingRule;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The Peck Protocol's facade (P1–P7): the state machine is {@link PeckTransitions}, session tokens
 * {@link PeckSessions}, T3 standing rules {@link StandingRules}; this class wires them and holds the
 * peck reads (the inbox, pending approvals, the active pecks, one peck).
 */
final class PecksImpl implements Pecks {
  static final int MAX_PAGE = 100;

  private final Core core;
  private final PeckTransitions transitions;
  private final PeckSessions sessions;
  private final StandingRules rules;

  PecksImpl(Core core) {
    this.core = core;
    this.transitions = new PeckTransitions(core);
    this.sessions = new PeckSessions(core, transitions);
    this.rules = new StandingRules(core, transitions);
  }

  // ------------------------------------------------------------ the state machine

  @Override
  public Peck request(BeakKey caller, PeckRequest request) {
    return transitions.request(caller, request);
  }

  @Override
  public Peck accept(BeakKey caller, PeckId id) {
    Peck accepted = transitions.accept(caller, id);
    return rules.approveByRule(accepted).orElse(accepted);
  }

  @Override
  public Peck decline(BeakKey caller, PeckId id, ReasonCode reason) {
    return transitions.decline(caller, id, reason);
  }

  @Override
  public Peck approve(BeakKey caller, PeckId id) {
    return transitions.approve(caller, id);
  }

  @Override
  public Peck reject(BeakKey caller, PeckId id, ReasonCode reason) {
    return transitions.reject(caller, id, reason);
  }

  @Override
  public Peck close(BeakKey caller, PeckId id, ReasonCode reason) {
    return transitions.close(caller, id, reason);
  }

  @Override
  public int expireDue() {
    return transitions.expireDue();
  }

  // ------------------------------------------------------------ reads (P3, P4, P5)

  @Override
  public List<Peck> inbox(BeakKey caller, Optional<PeckId> after, int limit) {
    return list(caller, Permission.READ_SELF, Tables.PECKS_BY_TARGET, PeckState.REQUESTED, p -> true, after, limit);
  }

  @Override
  public List<Peck> pendingApprovals(BeakKey caller, Optional<PeckId> after, int limit) {
    // a peck between two of the caller's own agents is not listed: only an admin may decide it
    return list(caller, Permission.PECK_APPROVE, Tables.PECKS_BY_TARGET_OPERATOR, PeckState.ACCEPTED,
        p -> !p.requesterOperator().equals(p.targetOperator()), after, limit);
  }

  /**
   * The caller's side of live sessions (P5): an agent through the requester and target indexes; an
   * operator through the target-operator index and, for the requester side (which has no operator
   * index), the requester index of each agent it bonded (B3: its own bonds, an admin's too). A peck
   * between two of the operator's agents is found twice and listed once. READ_SELF, as {@link #get}.
   */
  @Override
  public List<Peck> active(BeakKey caller, Optional<PeckId> after, int limit) {
    Objects.requireNonNull(after, "after");
    int n = page(limit);
    return core.governance.read(
        caller,
        Permission.READ_SELF,
        a -> {
          Instant now = core.now();
          String me = a.principal().id().value();
          Stream<Peck> mine;
          if (a.principal().kind() == IdentityKind.AGENT) {
            mine = Stream.concat(rows(Tables.PECKS_BY_REQUESTER, me), rows(Tables.PECKS_BY_TARGET, me))
                .filter(p -> p.involves(a.principal().id()));
          } else {
            Stream<Peck> requested = core.storage.findBy(Tables.BONDS_BY_OPERATOR, me).stream()
                .map(b -> b.value().agent().value())
                .distinct()
                .flatMap(agent -> rows(Tables.PECKS_BY_REQUESTER, agent));
            mine = Stream.concat(requested, rows(Tables.PECKS_BY_TARGET_OPERATOR, me))
                .filter(p -> p.requesterOperator().value().equals(me) || p.targetOperator().value().equals(me));
          }
          Map<String, Peck> byId = new TreeMap<>();
          mine.filter(p -> p.state() == PeckState.ACTIVE && p.sessionExpiresAt().map(now::isBefore).orElse(false))
              .filter(p -> after.map(x -> p.id().value().compareTo(x.value()) > 0).orElse(true))
              .forEach(p -> byId.putIfAbsent(p.id().value(), p));
          return byId.values().stream().limit(n).toList();
        });
  }

  private Stream<Peck> rows(Index<Peck> index, String key) {
    return core.storage.findBy(index, key).stream().map(Versioned::value);
  }

  /**
   * Pecks found through {@code index} under the caller's id, in {@code state} and within their
   * request lifetime, oldest first (ids are time-ordered), after the cursor.
   */
  private List<Peck> list(BeakKey caller, Permission permission, Index<Peck> index, PeckState state,
      Predicate<Peck> which, Optional<PeckId> after, int limit) {
    Objects.requireNonNull(after, "after");
    int n = page(limit);
    return core.governance.read(
        caller,
        permission,
        a -> {
          Instant now = core.now();
          return core.storage.findBy(index, a.principal().id().value()).stream()
              .map(Versioned::value)
              .filter(p -> p.state() == state && now.isBefore(p.requestExpiresAt()) && which.test(p))
              .filter(p -> after.map(x -> p.id().value().compareTo(x.value()) > 0).orElse(true))
              .sorted(Comparator.comparing(p -> p.id().value()))
              .limit(n)
              .toList();
        });
  }

  private static int page(int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new InvalidInput("limit", "1 to " + MAX_PAGE);
    }
    return limit;
  }

  @Override
  public Peck get(BeakKey caller, PeckId id) {
    return transitions.read(
        caller,
        id,
        (a, p) -> {
          if (!PeckTransitions.involved(a.principal(), p)) {
            throw new Forbidden("not involved in the peck");
          }
          return p;
        });
  }

  // ------------------------------------------------------------ P5

  @Override
  public IssuedSession session(BeakKey caller, PeckId id) {
    return sessions.session(caller, id);
  }

  @Override
  public Session verifySession(SessionToken token) {
    return sessions.verify(token, Optional.empty());
  }

  @Override
  public Session verifySession(SessionToken token, AgentId audience) {
    return sessions.verify(token, Optional.of(Objects.requireNonNull(audience, "audience")));
  }

  // ------------------------------------------------------------ standing rules (T3)

  @Override
  public StandingRule addStandingRule(BeakKey caller, AgentId target, Set<String> scope, Duration maxDuration) {
    return rules.add(caller, target, scope, maxDuration);
  }

  @Override
  public StandingRule removeStandingRule(BeakKey caller, RuleId id) {
    return rules.remove(caller, id);
  }
}
