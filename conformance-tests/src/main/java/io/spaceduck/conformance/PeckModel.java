package io.spaceduck.conformance;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pecks;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;

/**
 * The engine contract's Peck Protocol world: the engine over the backend under test (see {@link
 * EngineFixture}) with an admin, two operators with three agents each at generated tiers T0–T2, and
 * one T1 agent the admin operates itself, plus a small reference model of SPEC §6 — requests (some
 * sponsored), accepts, declines, approvals, rejections and closes by right and wrong actors, bond
 * and key revocations, blocks, clock moves, expiry sweeps and session tokens.
 *
 * <p>The model predicts, from the rules alone, whether each call must succeed and which refusals are
 * acceptable. After every call: the outcome matches the model; a success added exactly one audit
 * event naming the caller (none for a read such as {@code session}), a {@link Forbidden} exactly one
 * DENIED event (except a read's; a platform-blocked caller's governance attempt is audited as denied
 * too, A1), any other refusal none. After every step: every peck's state equals the model's; no ACTIVE
 * peck has a revoked bond or blocked side, or an approval by the requesting side (I2); no approval
 * without an earlier acceptance; every session token verifies exactly while its peck is live, on
 * both engine instances (P5, I3); inboxes hold exactly the live requests; the audit chain verifies
 * with exactly the expected number of events (I4, I5); and no raw secret reached the store (I8).
 *
 * <p>Random choices are raw integers resolved when the action runs (modulo the pool), so shrunk
 * chains stay runnable; the resolved calls are printed with any failure. One per chain; not
 * thread-safe.
 */
public final class PeckModel implements AutoCloseable {
  static final Duration TTL = Duration.ofHours(24);
  static final Set<String> SCOPE = Set.of("chat:read");
  static final Set<String> FINAL_ACTIONS = Set.of("peck.declined", "peck.rejected", "peck.closed", "peck.expired");
  static final List<Duration> DURATIONS =
      List.of(Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(6));

  /** Random peck workflows from {@code start} (a new world on a new store), at most {@code maxActions} long. */
  static ActionChainArbitrary<PeckModel> chains(Supplier<PeckModel> start, int maxActions) {
    return ActionChain.<PeckModel>startWith(start)
        .withAction(8, Act.<PeckModel>of("request", 5, (w, p) -> w.request(p[0], p[1], odd(p[2]), p[3], p[4])))
        .withAction(6, Act.<PeckModel>of("accept", 4, (w, p) -> w.accept(p[0], odd(p[1]), odd(p[2]), p[3], false)))
        .withAction(1, Act.<PeckModel>of("decline", 4, (w, p) -> w.accept(p[0], odd(p[1]), odd(p[2]), p[3], true)))
        .withAction(6, Act.<PeckModel>of("approve", 4, (w, p) -> w.decide(p[0], odd(p[1]), odd(p[2]), p[3], true)))
        .withAction(1, Act.<PeckModel>of("reject", 4, (w, p) -> w.decide(p[0], odd(p[1]), odd(p[2]), p[3], false)))
        .withAction(2, Act.<PeckModel>of("close", 4, (w, p) -> w.close(p[0], odd(p[1]), odd(p[2]), p[3])))
        .withAction(1, Act.<PeckModel>of("revokeBond", 3, (w, p) -> w.revokeBond(p[0], odd(p[1]), p[2])))
        .withAction(1, Act.<PeckModel>of("keyOp", 3, (w, p) -> w.keyOp(p[0], p[1] % 5, p[2])))
        .withAction(2, Act.<PeckModel>of("block", 4, (w, p) -> w.block(p[0], p[1] % 4, odd(p[2]), p[3])))
        .withAction(3, Act.<PeckModel>of("advance", 2, (w, p) -> w.advance(p[0] % 6, p[1])))
        .withAction(2, Act.<PeckModel>of("expireDue", 0, (w, p) -> w.expireDue()))
        .withAction(4, Act.<PeckModel>of("session", 3, (w, p) -> w.session(p[0], odd(p[1]), p[2] % 3)))
        .withMaxTransformations(maxActions);
  }

  /** One in four: the unusual choice (a wrong actor, a final peck, a sponsor); shrinks to the plain one. */
  static boolean odd(int pick) {
    return Act.rare(pick, 4);
  }

  enum Outcome {
    SUCCESS,
    UNAUTHENTICATED,
    /** Refused with exactly one DENIED audit event. */
    FORBIDDEN,
    /** Refused on a read (also a blocked caller's read): no event. */
    FORBIDDEN_UNAUDITED,
    NOT_FOUND,
    CONFLICT,
    INVALID_INPUT;

    /** The outcome of a refusal with {@code code}, one of {@link EngineCall#MODELLED}. */
    static Outcome of(ErrorCode code) {
      return switch (code) {
        case UNAUTHENTICATED -> UNAUTHENTICATED;
        case FORBIDDEN -> FORBIDDEN; // FORBIDDEN_UNAUDITED once the model sees that no event was appended
        case NOT_FOUND -> NOT_FOUND;
        case CONFLICT -> CONFLICT;
        case INVALID_INPUT -> INVALID_INPUT;
        case RATE_LIMITED, REJECTED, UNAVAILABLE -> throw new IllegalArgumentException("not an outcome the model knows: " + code);
      };
    }
  }

  /** An identity of the world: the admin, an operator or an agent, as the model knows it. */
  static final class P {
    final String name;
    final IdentityId id;
    final boolean admin;
    final boolean agent;
    final Tier tier;
    final DucklingId operator; // agents only
    final BondId bond; // agents only
    final CertId cert;
    BeakKey key;
    KeyId keyId;
    boolean keyRevoked;
    boolean bondActive = true;
    boolean blocked;
    final Set<IdentityId> blockList = new HashSet<>();

    P(String name, IdentityId id, boolean admin, Tier tier, DucklingId operator, BondId bond, CertId cert, BeakKey key,
        KeyId keyId) {
      this.name = name;
      this.id = id;
      this.admin = admin;
      this.agent = operator != null;
      this.tier = tier;
      this.operator = operator;
      this.bond = bond;
      this.cert = cert;
      this.key = key;
      this.keyId = keyId;
    }

    @Override
    public String toString() {
      return name + (agent ? "/" + tier : "") + (blocked ? " [blocked]" : "") + (keyRevoked ? " [key revoked]" : "")
          + (agent && !bondActive ? " [bond revoked]" : "");
    }
  }

  static final class MPeck {
    final PeckId id;
    final int n;
    final P requester;
    final P sponsor; // may be null
    final P target;
    final Duration duration;
    final Instant requestExpiresAt;
    PeckState state = PeckState.REQUESTED;
    Instant sessionExpiresAt;
    IdentityId decidedBy;

    MPeck(PeckId id, int n, P requester, P sponsor, P target, Duration duration, Instant requestExpiresAt) {
      this.id = id;
      this.n = n;
      this.requester = requester;
      this.sponsor = sponsor;
      this.target = target;
      this.duration = duration;
      this.requestExpiresAt = requestExpiresAt;
    }

    DucklingId requesterOp() {
      return requester.operator;
    }

    DucklingId targetOp() {
      return target.operator;
    }

    @Override
    public String toString() {
      return "peck#" + n + "(" + requester.name + (sponsor == null ? "" : " via " + sponsor.name) + " → " + target.name
          + ", " + state + ")";
    }
  }

  record MToken(SessionToken token, MPeck peck, P subject) {}


  final EngineFixture t;
  final Pecks pecks;
  final P admin;
  final List<P> ops = new ArrayList<>();
  final List<P> agents = new ArrayList<>();
  final List<P> all = new ArrayList<>();
  final Map<IdentityId, P> byId = new HashMap<>();
  final List<MPeck> model = new ArrayList<>();
  final List<MToken> tokens = new ArrayList<>();
  final List<String> trace = new ArrayList<>();
  /** Per peck id, the transition events seen so far (for the order checks). */
  final Map<String, List<String>> history = new HashMap<>();
  long expectedEvents;
  long scannedSeq;

  PeckModel(EngineFixture fixture, List<Tier> tiers) {
    t = fixture;
    pecks = t.engine.pecks();
    HatchResult a = t.bootstrap(t.newEmail());
    admin = new P("admin", a.duckling().id(), true, Tier.T2, null, null, a.certificate().id(), a.key().key(),
        a.key().info().id());
    add(admin);
    for (String name : List.of("opA", "opB")) {
      HatchResult h = t.hatch(name, t.newEmail());
      t.engine.identities().promote(admin.key, h.duckling().id(), Tier.T2);
      P op = new P(name, h.duckling().id(), false, Tier.T2, null, null, h.certificate().id(), h.key().key(),
          h.key().info().id());
      ops.add(op);
      add(op);
    }
    for (int i = 0; i < 7; i++) {
      // three agents of each operator at the generated tiers, and one T1 agent the admin operates itself
      P op = i < 6 ? ops.get(i / 3) : admin;
      Tier tier = i < 6 ? tiers.get(i) : Tier.T1;
      BondResult r = t.engine.bonds().bond(op.key, "agent " + i, tier);
      t.key(r.key());
      P ag = new P(i < 6 ? (i < 3 ? "a" : "b") + (i % 3) : "x0", r.agent().id(), false, tier, (DucklingId) op.id,
          r.bond().id(), r.certificate().id(), r.key().key(), r.key().info().id());
      agents.add(ag);
      add(ag);
    }
    expectedEvents = head();
    scannedSeq = expectedEvents;
    trace.add("setup: admin, opA, opB; agents " + agents);
  }

  private void add(P p) {
    all.add(p);
    byId.put(p.id, p);
  }

  @Override
  public void close() {
    t.close();
  }

  Instant now() {
    return t.clock.instant();
  }

  long head() {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  List<AuditEvent> since(long h) {
    return t.storage.auditRange(h + 1, 100_000);
  }

  P op(P agent) {
    return byId.get(agent.operator);
  }

  P anyone(int pick) {
    return all.get(pick % all.size());
  }

  /**
   * A peck of the model: with {@code any}, among all of them; else among those in {@code state} (the
   * state the action moves on from), failing that the open ones, failing that all.
   */
  MPeck peck(int pick, boolean any, PeckState state) {
    List<MPeck> pool = model;
    if (!any) {
      List<MPeck> inState = model.stream().filter(p -> p.state == state).toList();
      List<MPeck> open = model.stream().filter(p -> !p.state.isFinal()).toList();
      pool = !inState.isEmpty() ? inState : !open.isEmpty() ? open : model;
    }
    return pool.isEmpty() ? null : pool.get(pick % pool.size());
  }

  // -------------------------------------------------------------- rules of the model

  /** The refusal authentication gives before anything else, if any (K4, I3, platform blocks). */
  static Outcome authentication(P caller) {
    if (caller.agent && (caller.keyRevoked || !caller.bondActive)) {
      return Outcome.UNAUTHENTICATED;
    }
    if (caller.blocked) {
      return Outcome.FORBIDDEN_UNAUDITED;
    }
    return null;
  }

  /** P2 for a pair (and a sponsor): who is blocked, whose bond is gone, whose tier cannot be pecked. */
  Set<Outcome> pair(P requester, P sponsor, P target) {
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    List<P> sides = sponsor == null ? List.of(requester, target) : List.of(requester, sponsor, target);
    for (P x : sides) {
      if (x.blocked || op(x).blocked) {
        r.add(Outcome.FORBIDDEN);
      }
      if (!x.bondActive) {
        r.add(Outcome.CONFLICT);
      }
    }
    if (!target.tier.atLeast(Tier.T1)) {
      r.add(Outcome.FORBIDDEN); // PECK_RESPOND
    }
    if (!requester.tier.atLeast(Tier.T1)) {
      r.add(Outcome.FORBIDDEN); // §1: an Egg is never a side of a peck
    }
    Set<IdentityId> list = op(target).blockList;
    if (list.contains(requester.id) || list.contains(requester.operator)
        || (sponsor != null && list.contains(sponsor.id))) {
      r.add(Outcome.FORBIDDEN);
    }
    return r;
  }

  static boolean involved(P c, MPeck p) {
    return c.admin || c == p.requester || c == p.target || c == p.sponsor
        || c.id.equals(p.requesterOp()) || c.id.equals(p.targetOp());
  }

  /** The cascade of a revocation or block: the agent's open pecks (as requester or target) close. */
  void cascade(P agent) {
    for (MPeck p : model) {
      if (!p.state.isFinal() && (p.requester == agent || p.target == agent)) {
        p.state = PeckState.CLOSED;
      }
    }
  }

  List<P> agentsOf(P y) {
    return y.agent ? List.of(y) : agents.stream().filter(a -> a.operator.equals(y.id)).toList();
  }

  // -------------------------------------------------------------- actions

  void request(int pick, int targetPick, boolean sponsored, int sponsorPick, int durationPick) {
    P requester = agents.get(pick % agents.size());
    P target = agents.get(targetPick % agents.size());
    P caller = sponsored ? agents.get(sponsorPick % agents.size()) : requester;
    Duration d = DURATIONS.get(durationPick % DURATIONS.size());
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (sponsored) {
      if (!caller.tier.atLeast(Tier.T2)) {
        r.add(Outcome.FORBIDDEN); // PECK_SPONSOR (P6)
      }
      if (!requester.operator.equals(caller.operator) || requester == caller || !caller.tier.atLeast(requester.tier)
          || caller.tier == requester.tier) {
        r.add(Outcome.FORBIDDEN); // lower-tier agents of the same operator only (P6)
      }
      if (requester.tier == Tier.T0) {
        r.add(Outcome.FORBIDDEN); // §1: an Egg may pulse and read its own record only, so no peck for it
      }
    } else if (!requester.tier.atLeast(Tier.T1)) {
      r.add(Outcome.FORBIDDEN); // an Egg cannot initiate (P1)
    }
    if (target == requester || (sponsored && target == caller)) {
      r.add(Outcome.INVALID_INPUT);
    } else {
      r.addAll(pair(requester, sponsored ? caller : null, target));
    }
    PeckRequest req = new PeckRequest(target.cert, SCOPE, d,
        sponsored ? Optional.of((AgentId) requester.id) : Optional.empty());
    Instant now = now();
    call("request " + caller + (sponsored ? " for " + requester : "") + " → " + target + " " + d, caller, r,
        AuditAction.PECK_REQUESTED, () -> pecks.request(caller.key, req), p -> {
          ensure(p.state() == PeckState.REQUESTED && p.requester().equals(requester.id) && p.target().equals(target.id)
                  && p.sponsor().equals(sponsored ? Optional.of(caller.id) : Optional.empty())
                  && p.requesterOperator().equals(requester.operator) && p.targetOperator().equals(target.operator),
              "the requested peck is what was asked: " + p);
          ensure(p.requestExpiresAt().equals(now.plus(TTL)), "P7: the request lives 24 h");
          MPeck m = new MPeck(p.id(), model.size(), requester, sponsored ? caller : null, target, d, now.plus(TTL));
          model.add(m);
          trace.add("  = " + m);
        });
  }

  /** Accept, or with {@code decline} decline (P3). */
  void accept(int pick, boolean any, boolean stranger, int actorPick, boolean decline) {
    MPeck p = peck(pick, any, PeckState.REQUESTED);
    if (p == null) {
      trace.add((decline ? "decline" : "accept") + ": no peck yet");
      return;
    }
    P c = stranger ? anyone(actorPick) : p.target;
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (c != p.target || !c.tier.atLeast(Tier.T1)) {
      r.add(Outcome.FORBIDDEN);
    }
    if (p.state != PeckState.REQUESTED) {
      r.add(Outcome.CONFLICT);
    }
    if (!now().isBefore(p.requestExpiresAt)) {
      r.add(Outcome.CONFLICT); // P7: after its lifetime a request can only expire
    }
    PeckState next = decline ? PeckState.DECLINED : PeckState.ACCEPTED;
    call((decline ? "decline " : "accept ") + p + " by " + c, c, r,
        decline ? AuditAction.PECK_DECLINED : AuditAction.PECK_ACCEPTED,
        () -> decline ? pecks.decline(c.key, p.id, ReasonCode.NONE) : pecks.accept(c.key, p.id), x -> {
          ensure(x.state() == next, "the peck moved to " + next);
          p.state = next;
        });
  }

  /** Approve, or reject (P4): only an operator governing the target, or an admin, never the requesting side. */
  void decide(int pick, boolean any, boolean stranger, int actorPick, boolean approve) {
    MPeck p = peck(pick, any, PeckState.ACCEPTED);
    if (p == null) {
      trace.add((approve ? "approve" : "reject") + ": no peck yet");
      return;
    }
    // the plain decider: the target's operator, or for a same-operator peck either it or the admin
    boolean sameOperator = p.requester.operator.equals(p.target.operator);
    P c = stranger ? anyone(actorPick) : sameOperator && actorPick % 2 == 0 ? admin : op(p.target);
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (c.agent) {
      r.add(Outcome.FORBIDDEN); // PECK_APPROVE is for T2 ducklings
    }
    if (!c.id.equals(p.targetOp()) && !c.admin) {
      r.add(Outcome.FORBIDDEN);
    }
    if (c.id.equals(p.requesterOp())) {
      r.add(Outcome.FORBIDDEN); // I2: the requesting side never approves
    }
    if (approve) {
      if (p.state != PeckState.ACCEPTED || !now().isBefore(p.requestExpiresAt)) {
        r.add(Outcome.CONFLICT);
      } else {
        r.addAll(pair(p.requester, p.sponsor, p.target)); // P2 again at approval
      }
    } else if (p.state != PeckState.ACCEPTED || !now().isBefore(p.requestExpiresAt)) {
      r.add(Outcome.CONFLICT); // P4: rejected only after the target accepted, within the lifetime
    }
    Instant now = now();
    call((approve ? "approve " : "reject ") + p + " by " + c, c, r,
        approve ? AuditAction.PECK_APPROVED : AuditAction.PECK_REJECTED,
        () -> approve ? pecks.approve(c.key, p.id) : pecks.reject(c.key, p.id, ReasonCode.POLICY_VIOLATION), x -> {
          ensure(x.decidedBy().equals(Optional.of(c.id)), "the decider is recorded");
          if (approve) {
            ensure(x.state() == PeckState.ACTIVE && x.sessionExpiresAt().equals(Optional.of(now.plus(p.duration))),
                "approved: active for its duration");
            p.state = PeckState.ACTIVE;
            p.sessionExpiresAt = now.plus(p.duration);
          } else {
            ensure(x.state() == PeckState.REJECTED, "rejected");
            p.state = PeckState.REJECTED;
          }
          p.decidedBy = c.id;
        });
  }

  void close(int pick, boolean any, boolean stranger, int actorPick) {
    MPeck p = peck(pick, any, PeckState.ACTIVE);
    if (p == null) {
      trace.add("close: no peck yet");
      return;
    }
    List<P> sides = new ArrayList<>(List.of(p.requester, p.target, op(p.requester), op(p.target), admin));
    if (p.sponsor != null) {
      sides.add(p.sponsor);
    }
    P c = stranger ? anyone(actorPick) : sides.get(actorPick % sides.size());
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (!involved(c, p) || !c.tier.atLeast(Tier.T1)) {
      r.add(Outcome.FORBIDDEN); // involvement, PECK_CLOSE
    }
    if (p.state.isFinal()) {
      r.add(Outcome.CONFLICT);
    }
    call("close " + p + " by " + c, c, r, AuditAction.PECK_CLOSED,
        () -> pecks.close(c.key, p.id, ReasonCode.NO_LONGER_NEEDED), x -> {
          ensure(x.state() == PeckState.CLOSED && x.closedBy().equals(Optional.of(c.id.value())), "closed by the caller");
          p.state = PeckState.CLOSED;
        });
  }

  void revokeBond(int pick, boolean stranger, int actorPick) {
    P x = agents.get(pick % agents.size());
    P c = stranger ? anyone(actorPick) : op(x);
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (c.agent || (!c.admin && !x.operator.equals(c.id))) {
      r.add(Outcome.FORBIDDEN); // REVOKE_BOND, B3
    }
    if (!x.bondActive) {
      r.add(Outcome.CONFLICT);
    }
    call("revokeBond " + x + " by " + c, c, r, AuditAction.BOND_REVOKED,
        () -> t.engine.bonds().revoke(c.key, x.bond, ReasonCode.COMPROMISED), b -> {
          x.bondActive = false;
          x.keyRevoked = true; // K4: its keys go with it
          cascade(x); // B2: and its pecks
        });
  }

  /**
   * 0 the agent revokes its own key, 1 its operator does, 2 anyone does, 3 the admin replaces it (K5), 4
   * anyone tries to replace it.
   */
  void keyOp(int pick, int mode, int actorPick) {
    P x = agents.get(pick % agents.size());
    P c = switch (mode) {
      case 0 -> x;
      case 1 -> op(x);
      case 3 -> admin;
      default -> anyone(actorPick);
    };
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    KeyId target = x.keyId;
    if (mode >= 3) {
      if (!c.admin) {
        r.add(Outcome.FORBIDDEN); // K5: admins only
      }
      if (x.blocked || !x.bondActive) {
        r.add(Outcome.CONFLICT);
      }
      call("replaceKey of " + x + " by " + c, c, r, AuditAction.KEY_REPLACED,
          () -> t.engine.keys().replace(c.key, target, ReasonCode.COMPROMISED), (IssuedKey k) -> {
            x.key = t.keyOf(k);
            x.keyId = k.info().id();
            x.keyRevoked = false;
            cascade(x);
          });
      return;
    }
    if (c == x) {
      if (!x.tier.atLeast(Tier.T1)) {
        r.add(Outcome.FORBIDDEN); // MANAGE_OWN_KEYS
      }
    } else if (!(c.admin || (!c.agent && x.operator.equals(c.id)))) {
      r.add(Outcome.FORBIDDEN); // B3, MANAGE_AGENT_KEYS
    }
    if (x.keyRevoked) {
      r.add(Outcome.CONFLICT);
    }
    call("revokeKey of " + x + " by " + c, c, r, AuditAction.KEY_REVOKED,
        () -> t.engine.keys().revoke(c.key, target, ReasonCode.COMPROMISED), k -> {
          x.keyRevoked = true;
          cascade(x);
        });
  }

  /** 0 platform block, 1 platform unblock, 2 block-list add, 3 block-list remove. */
  void block(int pick, int mode, boolean stranger, int actorPick) {
    List<P> targets = new ArrayList<>(ops);
    targets.addAll(agents);
    P y = targets.get(pick % targets.size());
    P c = stranger ? anyone(actorPick) : mode < 2 ? admin : ops.get(actorPick % 2);
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    switch (mode) {
      case 0 -> {
        if (!c.admin) {
          r.add(Outcome.FORBIDDEN);
        }
        if (y.blocked) {
          r.add(Outcome.CONFLICT);
        }
        call("blockPlatformWide " + y + " by " + c, c, r, AuditAction.IDENTITY_BLOCKED,
            () -> t.engine.blocks().blockPlatformWide(c.key, y.id, ReasonCode.POLICY_VIOLATION), b -> {
              y.blocked = true;
              agentsOf(y).forEach(this::cascade);
            });
      }
      case 1 -> {
        if (!c.admin) {
          r.add(Outcome.FORBIDDEN);
        }
        if (!y.blocked) {
          r.add(Outcome.CONFLICT);
        }
        call("unblockPlatformWide " + y + " by " + c, c, r, AuditAction.IDENTITY_UNBLOCKED, () -> {
          t.engine.blocks().unblockPlatformWide(c.key, y.id, ReasonCode.NONE);
          return null;
        }, b -> y.blocked = false);
      }
      case 2 -> {
        if (c.agent) {
          r.add(Outcome.FORBIDDEN); // BLOCK
        } else if (y == c || (y.agent && y.operator.equals(c.id))) {
          r.add(Outcome.INVALID_INPUT);
        } else if (c.blockList.contains(y.id)) {
          r.add(Outcome.CONFLICT);
        }
        call("block " + y + " on the list of " + c, c, r, AuditAction.BLOCKLIST_ADDED,
            () -> t.engine.blocks().block(c.key, y.id, ReasonCode.POLICY_VIOLATION), b -> {
              c.blockList.add(y.id);
              for (P a : agentsOf(y)) {
                for (MPeck p : model) {
                  boolean concernsC = c.id.equals(p.targetOp()) || c.id.equals(p.requesterOp());
                  if (!p.state.isFinal() && concernsC && (p.requester == a || p.target == a)) {
                    p.state = PeckState.CLOSED;
                  }
                }
              }
            });
      }
      default -> {
        if (c.agent) {
          r.add(Outcome.FORBIDDEN);
        } else if (!c.blockList.contains(y.id)) {
          r.add(Outcome.NOT_FOUND);
        }
        call("unblock " + y + " from the list of " + c, c, r, AuditAction.BLOCKLIST_REMOVED, () -> {
          t.engine.blocks().unblock(c.key, y.id, ReasonCode.NONE);
          return null;
        }, b -> c.blockList.remove(y.id));
      }
    }
  }

  /** 0–2 a second to about an hour, 3 one to thirty hours, 4–5 to the next deadline (−1 s, exactly, +1 s). */
  void advance(int kind, int amount) {
    Duration d;
    if (kind < 3) {
      d = Duration.ofSeconds(1 + amount * 4L);
    } else if (kind == 3) {
      d = Duration.ofHours(1 + amount % 30);
    } else {
      Instant now = now();
      Optional<Instant> next = model.stream()
          .filter(p -> !p.state.isFinal())
          .map(p -> p.state == PeckState.ACTIVE ? p.sessionExpiresAt : p.requestExpiresAt)
          .filter(now::isBefore)
          .min(Instant::compareTo);
      if (next.isEmpty()) {
        trace.add("advance to the next deadline: none");
        return;
      }
      Instant to = next.get().plusSeconds((amount % 3) - 1);
      d = to.isAfter(now) ? Duration.between(now, to) : Duration.ZERO;
    }
    t.clock.advance(d);
    trace.add("advance " + d + " → " + now());
  }

  void expireDue() {
    Instant now = now();
    List<MPeck> due = model.stream().filter(p -> switch (p.state) {
      case REQUESTED, ACCEPTED -> !now.isBefore(p.requestExpiresAt);
      case ACTIVE -> !now.isBefore(p.sessionExpiresAt);
      default -> false;
    }).toList();
    long h = head();
    int n;
    try {
      n = pecks.expireDue();
    } catch (RuntimeException e) {
      throw failure("expireDue threw " + e);
    }
    trace.add("expireDue → " + n + " (model: " + due + ")");
    ensure(n == due.size(), "P7: expireDue expired " + n + ", the model " + due.size());
    List<AuditEvent> events = since(h);
    ensure(events.size() == n, "one event per expired peck");
    ensure(events.stream().allMatch(e -> e.action().equals(AuditAction.PECK_EXPIRED.code())
            && e.actor().equals(AuditEvent.SYSTEM_ACTOR) && e.outcome() == AuditOutcome.SUCCESS),
        "P7: expiries are audited as peck.expired by system");
    ensure(events.stream().map(AuditEvent::resource).collect(Collectors.toSet())
            .equals(due.stream().map(p -> p.id.value()).collect(Collectors.toSet())),
        "the expired pecks are the due ones");
    expectedEvents += n;
    due.forEach(p -> p.state = PeckState.EXPIRED);
  }

  /** 0 the requester, 1 the target, 2 anyone asks for a session token (P5), which then verifies. */
  void session(int pick, boolean any, int who) {
    MPeck p = peck(pick, any, PeckState.ACTIVE);
    if (p == null) {
      trace.add("session: no peck yet");
      return;
    }
    P c = who == 0 ? p.requester : who == 1 ? p.target : anyone(pick / 7);
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (c != p.requester && c != p.target) {
      r.add(Outcome.FORBIDDEN_UNAUDITED); // a read: refused, not audited
    }
    if (p.state != PeckState.ACTIVE || !now().isBefore(p.sessionExpiresAt)) {
      r.add(Outcome.CONFLICT);
    }
    call("session of " + p + " for " + c, c, r, null, () -> pecks.session(c.key, p.id), (IssuedSession s) -> {
      Session v;
      try {
        v = pecks.verifySession(s.token());
      } catch (Unauthenticated e) {
        throw failure("P5: a fresh session token does not verify");
      }
      P peer = c == p.requester ? p.target : p.requester;
      ensure(v.peck().equals(p.id) && v.subject().equals(c.id) && v.peer().equals(peer.id)
              && v.expiresAt().equals(p.sessionExpiresAt),
          "P5: the token names the peck, its holder, the peer and the session end");
      // the audience is the peer, and only the peer: shown to its own holder it fails
      ensure(pecks.verifySession(s.token(), (io.spaceduck.api.AgentId) peer.id).equals(v), "P5: the token verifies for its peer (aud)");
      try {
        pecks.verifySession(s.token(), (io.spaceduck.api.AgentId) c.id);
        throw failure("P5: a session token verified for an audience other than its peer");
      } catch (Unauthenticated expected) {
        // aud is the peer
      }
      tokens.add(new MToken(t.session(s.token(), p + " for " + c.name), p, c));
    });
  }

  // -------------------------------------------------------------- the checked call

  /**
   * Runs one call and checks its outcome against the model: success exactly when {@code reasons} is
   * empty, else one of them; then I4/A1: a success adds exactly one event of {@code action} naming
   * the caller (none for a read, {@code action == null}), a Forbidden exactly one DENIED event naming
   * the caller — unless the model expected an unaudited refusal — and any other refusal none.
   */
  <T> void call(
      String what, P caller, Set<Outcome> reasons, AuditAction action, Supplier<T> body, Consumer<T> onSuccess) {
    Set<Outcome> allowed = reasons;
    boolean successAllowed = reasons.isEmpty();
    Outcome first = authentication(caller);
    if (first == Outcome.FORBIDDEN_UNAUDITED && action != null) {
      first = Outcome.FORBIDDEN; // A1: a blocked caller's governance attempt is audited as denied
    }
    if (first != null) {
      allowed = EnumSet.of(first);
      successAllowed = false;
    }
    long h = head();
    EngineCall<T> called = EngineCall.run(body, e -> failure(what + " threw " + e));
    T result = called.result();
    Outcome out = called.refusal().map(Outcome::of).orElse(Outcome.SUCCESS);
    List<AuditEvent> events = since(h);
    if (out == Outcome.FORBIDDEN && events.isEmpty()) {
      out = Outcome.FORBIDDEN_UNAUDITED;
    }
    trace.add(what + " → " + out);
    boolean ok = out == Outcome.SUCCESS ? successAllowed : allowed.contains(out);
    ensure(ok, "outcome " + out + ", the model expects " + (successAllowed ? "SUCCESS" : allowed));
    switch (out) {
      case SUCCESS -> {
        if (action == null) {
          ensure(events.isEmpty(), "a read appended an audit event");
        } else {
          ensure(events.size() == 1, "I4: a success appended " + events.size() + " events");
          AuditEvent e = events.get(0);
          ensure(e.action().equals(action.code()) && e.outcome() == AuditOutcome.SUCCESS
                  && e.actor().equals(caller.id.value()),
              "I4: the success event is " + action.code() + " by the caller, not " + e);
          expectedEvents++;
        }
        onSuccess.accept(result);
      }
      case FORBIDDEN -> {
        ensure(events.size() == 1, "A1: a Forbidden appended " + events.size() + " events");
        AuditEvent e = events.get(0);
        ensure(action != null && e.action().equals(action.code()) && e.outcome() == AuditOutcome.DENIED
                && e.actor().equals(caller.id.value()),
            "A1: the denial is audited as " + (action == null ? "?" : action.code()) + " by the caller, not " + e);
        expectedEvents++;
      }
      default -> ensure(events.isEmpty(), "I4: a " + out + " refusal appended " + events.size() + " events");
    }
  }

  // -------------------------------------------------------------- invariants

  void checkInvariants() {
    Instant now = now();
    BeakKey o = admin.key;

    // I4, I5: exactly the expected events, and the chain verifies
    ensure(head() == expectedEvents, "I4: " + head() + " audit events, expected " + expectedEvents);
    AuditVerification v = t.engine.audit().verify(o);
    ensure(v.valid() && v.eventsVerified() == expectedEvents, "I5: the audit chain does not verify: " + v);
    scanTransitions();

    Map<PeckId, MPeck> byPeck = new HashMap<>();
    for (MPeck m : model) {
      byPeck.put(m.id, m);
      Peck e = pecks.get(o, m.id);
      ensure(e.state() == m.state, "state of " + m + ": the engine says " + e.state());
      ensure(e.requester().equals(m.requester.id) && e.target().equals(m.target.id)
              && e.sponsor().equals(Optional.ofNullable(m.sponsor).map(s -> (AgentId) s.id)),
          "P6: sides and sponsor of " + m);
      ensure(e.decidedBy().equals(Optional.ofNullable(m.decidedBy)), "the decider of " + m);
      if (m.sessionExpiresAt != null) {
        ensure(e.sessionExpiresAt().equals(Optional.of(m.sessionExpiresAt)), "the session end of " + m);
      }
      if (e.state() == PeckState.ACTIVE) {
        for (P side : List.of(m.requester, m.target)) {
          // a key revocation closes the agent's open pecks (the model's cascade, compared above), but a
          // sponsor may open a new one for it (P6): only a revoked bond rules a side out (B2)
          ensure(side.bondActive, "B2: " + m + " is ACTIVE while the bond of " + side + " is revoked");
          ensure(!side.blocked && !op(side).blocked, "P2: " + m + " is ACTIVE while " + side + " is blocked");
        }
        DucklingId decider = e.decidedBy().map(DucklingId.class::cast).orElse(null);
        ensure(decider != null && !decider.equals(e.requesterOperator())
                && (decider.equals(e.targetOperator()) || decider.equals(admin.id)),
            "P4/I2: " + m + " was approved by " + decider);
        List<String> h = history.getOrDefault(m.id.value(), List.of());
        ensure(h.indexOf("peck.accepted") >= 0 && h.indexOf("peck.accepted") < h.indexOf("peck.approved"),
            "P3/P4: " + m + " is ACTIVE without an earlier acceptance: " + h);
      }
    }

    // P5: every token verifies exactly while its peck is live
    for (MToken tk : tokens) {
      MPeck p = tk.peck();
      boolean live = p.state == PeckState.ACTIVE && now.isBefore(p.sessionExpiresAt)
          && List.of(p.requester, p.target).stream().allMatch(s -> s.bondActive && !s.blocked);
      for (Pecks instance : List.of(pecks, t.second.pecks())) {
        boolean verified;
        try {
          verified = instance.verifySession(tk.token()).subject().equals(tk.subject().id);
        } catch (Unauthenticated e) {
          verified = false;
        }
        ensure(verified == live, "P5: the token of " + tk.subject() + " for " + p + " verifies=" + verified
            + " but live=" + live + (instance == pecks ? "" : " (second instance)"));
      }
    }

    // P3: every usable agent's inbox holds exactly its live requests
    for (P a : agents) {
      if (authentication(a) != null) {
        continue;
      }
      Set<PeckId> inbox = pecks.inbox(a.key, Optional.empty(), 100).stream().map(Peck::id).collect(Collectors.toSet());
      Set<PeckId> expected = model.stream()
          .filter(p -> p.target == a && p.state == PeckState.REQUESTED && now.isBefore(p.requestExpiresAt))
          .map(p -> p.id).collect(Collectors.toSet());
      ensure(inbox.equals(expected), "P3: the inbox of " + a + " holds " + inbox + ", the model " + expected);
    }

    // I8: no raw key, session token or email in anything the engine asked the store to persist
    List<String> leaked = t.persistedSecrets();
    ensure(leaked.isEmpty(), "I8: persisted in the store: " + leaked);

    // bonds and platform blocks as the model has them
    for (P p : all) {
      IdentityStatus s = t.engine.identities().get(o, p.id).status();
      ensure((s == IdentityStatus.BLOCKED) == p.blocked, "status of " + p + " is " + s);
      if (p.agent) {
        BondStatus b = t.engine.bonds().get(o, p.bond).status();
        ensure((b == BondStatus.ACTIVE) == p.bondActive, "bond of " + p + " is " + b);
      }
    }
  }

  /** Reads the new events into per-peck histories and checks their order: nothing after a final one. */
  private void scanTransitions() {
    for (AuditEvent e : since(scannedSeq)) {
      scannedSeq = e.seq();
      if (!e.action().startsWith("peck.") || e.outcome() != AuditOutcome.SUCCESS) {
        continue;
      }
      List<String> h = history.computeIfAbsent(e.resource(), k -> new ArrayList<>());
      ensure(h.stream().noneMatch(FINAL_ACTIONS::contains),
          "P7: " + e.action() + " after a final transition of " + e.resource() + ": " + h);
      h.add(e.action());
    }
  }

  AssertionError failure(String message) {
    return new AssertionError(message + "\n  calls so far:\n    " + String.join("\n    ", trace));
  }

  void ensure(boolean condition, String message) {
    if (!condition) {
      throw failure(message);
    }
  }

  @Override
  public String toString() {
    return "PeckModel[" + agents + ", " + model.size() + " pecks, " + expectedEvents + " events]";
  }
}
