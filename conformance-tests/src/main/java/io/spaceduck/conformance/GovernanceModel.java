package io.spaceduck.conformance;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditPage;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertId;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityKind;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Principal;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.StaleAgent;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;

/**
 * The engine contract's governance world: the engine over the backend under test (see {@link
 * EngineFixture}) and a small reference model of SPEC §1–§5, §7, §8 and §10 — identities with their
 * tiers, roles and status, keys with their grace and revocation, bonds, emails, pulses — built from
 * the rules alone. Every action resolves its raw integer choices against the current world (modulo
 * the pool, so a shrunk chain stays runnable), asks the model which outcomes are acceptable, calls
 * the engine and checks the outcome and the audit log: a success appends exactly one success event by
 * the caller, a {@link Forbidden} governance attempt by an authenticated caller exactly one DENIED
 * event naming the caller and the resource (A1), any other refusal nothing, and no refusal changes
 * anything the model tracks (I4). {@link #checkInvariants()} then checks I1–I8 and that everything
 * observable — identities, certificates, keys, bonds, pulses, stale agents, the audit chain — is
 * the model's.
 *
 * <p>The resolved calls are kept in {@link #trace} and printed with every failure. One per chain; not
 * thread-safe.
 */
public final class GovernanceModel implements AutoCloseable {
  static final Duration STALE = Duration.ofMinutes(5);
  private static final DucklingId UNKNOWN_DUCKLING = new DucklingId(DucklingId.PREFIX + "zzzzzzzzzzzzzzzzzzzzzzzzzz");
  private static final List<String> STATUSES = List.of("up", "busy", "idle 🦆", "Zoë is fine");

  /** What a call may end in. */
  enum Outcome {
    SUCCESS,
    UNAUTHENTICATED,
    FORBIDDEN,
    NOT_FOUND,
    CONFLICT,
    INVALID_INPUT,
    REJECTED;

    /** The outcome of a refusal with {@code code} (one of {@link EngineCall#MODELLED}, or REJECTED). */
    static Outcome of(ErrorCode code) {
      return switch (code) {
        case UNAUTHENTICATED -> UNAUTHENTICATED;
        case FORBIDDEN -> FORBIDDEN;
        case NOT_FOUND -> NOT_FOUND;
        case CONFLICT -> CONFLICT;
        case INVALID_INPUT -> INVALID_INPUT;
        case REJECTED -> REJECTED;
        case RATE_LIMITED, UNAVAILABLE -> throw new IllegalArgumentException("not an outcome the model knows: " + code);
      };
    }
  }

  /**
   * The acceptable outcomes of one call: success exactly when no refusal reason applies, else one of
   * {@code refusals}. {@code preAuth} are caller mistakes that may be refused before authentication.
   */
  record Expect(Set<Outcome> refusals, boolean successAllowed, Set<Outcome> preAuth) {
    static Expect of(Set<Outcome> reasons) {
      return new Expect(reasons, reasons.isEmpty(), Set.of());
    }

    /** The caller's key does not authenticate: that refusal comes first (zero trust). */
    Expect only(Outcome first) {
      Set<Outcome> r = EnumSet.of(first);
      r.addAll(preAuth);
      return new Expect(r, false, preAuth);
    }

    boolean accepts(Outcome o) {
      return o == Outcome.SUCCESS ? successAllowed : refusals.contains(o);
    }
  }

  static final class MIdentity {
    final IdentityId id;
    final boolean admin;
    final Optional<DucklingId> operator;
    final Optional<BondId> bond;
    final Optional<String> email;
    Tier tier;
    IdentityStatus status = IdentityStatus.ACTIVE;
    CertId currentCert;
    int certs = 1;

    MIdentity(IdentityId id, boolean admin, Optional<DucklingId> operator, Optional<BondId> bond, Optional<String> email,
        Tier tier, CertId cert) {
      this.id = id;
      this.admin = admin;
      this.operator = operator;
      this.bond = bond;
      this.email = email;
      this.tier = tier;
      this.currentCert = cert;
    }

    boolean isDuckling() {
      return id.kind() == IdentityKind.DUCKLING;
    }

    @Override
    public String toString() {
      return (admin ? "admin " : "") + id.kind().name().toLowerCase() + " " + id.value().substring(0, 8) + "… " + tier
          + (status == IdentityStatus.ACTIVE ? "" : " " + status);
    }
  }

  static final class MKey {
    final KeyId id;
    final BeakKey raw;
    final IdentityId owner;
    final Optional<BondId> bond;
    Optional<Instant> graceUntil = Optional.empty();
    boolean revoked;

    MKey(IssuedKey k) {
      this.id = k.info().id();
      this.raw = k.key();
      this.owner = k.info().owner();
      this.bond = k.info().bond();
    }

    @Override
    public String toString() {
      return "key " + id + " of " + owner.value().substring(0, 8) + "…"
          + (revoked ? " revoked" : graceUntil.map(g -> " grace→" + g).orElse(""));
    }
  }

  static final class MBond {
    final BondId id;
    final IdentityId agent;
    final DucklingId operator;
    boolean active = true;

    MBond(Bond b) {
      this.id = b.id();
      this.agent = b.agent();
      this.operator = b.operator();
    }
  }

  /**
   * Random governance chains from {@code start} (a new world on a new store), at most {@code
   * maxActions} long: hatches (also refused ones), promotions, bonds, key rotations, revocations and
   * replacements, bond revocations, platform blocks and unblocks, deletion requests, pulses and pulse
   * reads, TTL sweeps, clock moves, garbage keys and the adversary.
   */
  static ActionChainArbitrary<GovernanceModel> chains(Supplier<GovernanceModel> start, int maxActions) {
    return ActionChain.<GovernanceModel>startWith(start)
        .withAction(3, Act.<GovernanceModel>of("hatch", 2, (w, p) -> w.hatch(Math.max(0, p[0] % 10 - 4), p[1])))
        .withAction(5, Act.<GovernanceModel>of("promote", 5,
            (w, p) -> w.promote(p[0], p[1], Tier.values()[p[2] % 4], Act.rare(p[3], 5), Act.rare(p[4], 15))))
        .withAction(5, Act.<GovernanceModel>of("bond", 3, (w, p) -> w.bond(p[0], Tier.values()[p[1] % 4], Act.rare(p[2], 10))))
        .withAction(4, Act.<GovernanceModel>of("rotate", 4,
            (w, p) -> w.keyOp(KeyOp.ROTATE, p[0], p[1], Act.rare(p[2], 4), Act.rare(p[3], 15))))
        .withAction(3, Act.<GovernanceModel>of("revokeKey", 4,
            (w, p) -> w.keyOp(KeyOp.REVOKE, p[0], p[1], Act.rare(p[2], 4), Act.rare(p[3], 15))))
        .withAction(2, Act.<GovernanceModel>of("replaceKey", 4,
            (w, p) -> w.keyOp(KeyOp.REPLACE, p[0], p[1], Act.rare(p[2], 4), Act.rare(p[3], 15))))
        .withAction(3, Act.<GovernanceModel>of("revokeBond", 3, (w, p) -> w.revokeBond(p[0], p[1], Act.rare(p[2], 15))))
        .withAction(2, Act.<GovernanceModel>of("platformBlock", 4,
            (w, p) -> w.platformBlockResolved(Act.rare(p[0], 3) ? w.actor(p[3]) : w.observer,
                w.identityList().get(p[1] % w.identities.size()), p[2] % 3 == 2)))
        .withAction(1, Act.<GovernanceModel>of("deletion", 4,
            (w, p) -> w.deletion(p[0], p[1], Act.rare(p[2], 3), Act.rare(p[3], 15))))
        .withAction(6, Act.<GovernanceModel>of("pulse", 3, (w, p) -> w.pulse(w.pulseActor(p[0], p[1]), p[2])))
        .withAction(1, Act.<GovernanceModel>of("readPulses", 2, (w, p) -> w.readPulses(p[0], p[1])))
        .withAction(2, Act.<GovernanceModel>of("sweepPulses", 1, (w, p) -> w.sweep(p[0] % 2 == 1)))
        .withAction(4, Act.<GovernanceModel>of("advance", 2, (w, p) -> w.advance(p[0], p[1])))
        .withAction(1, Act.<GovernanceModel>of("garbageKey", 3, (w, p) -> w.garbage(p[0] % 3, p[1] % 5, p[2])))
        .withAction(4, Act.<GovernanceModel>of("adversary", 3, (w, p) -> w.adversary(p[0], p[1], p[2])))
        .withMaxTransformations(maxActions);
  }

  final boolean t3;
  final EngineFixture t;
  final Map<IdentityId, MIdentity> identities = new LinkedHashMap<>();
  final Map<KeyId, MKey> keys = new LinkedHashMap<>();
  final Map<BondId, MBond> bonds = new LinkedHashMap<>();
  final Map<CertId, String> seenCerts = new HashMap<>();
  /** Every pulse recorded, per agent, in record order (the store may sweep the expired ones). */
  final Map<IdentityId, List<Pulse>> pulses = new HashMap<>();
  final List<String> trace = new ArrayList<>();
  long expectedEvents;
  long successes;
  long denials;
  long adversaryAttempts;
  MKey observer; // an admin key never targeted by the chain: it reads and verifies

  GovernanceModel(EngineFixture fixture, boolean t3) {
    this.t3 = t3;
    this.t = fixture;
    String adminEmail = t.newEmail();
    HatchResult admin = t.bootstrap(adminEmail);
    expectedEvents++;
    successes++;
    identities.put(admin.duckling().id(), new MIdentity(admin.duckling().id(), true, Optional.empty(), Optional.empty(),
        Optional.of(adminEmail), Tier.T2, admin.certificate().id()));
    MKey first = addKey(admin.key());
    observer = first; // until the dedicated observer exists
    trace.add("setup: bootstrap admin");
    // a second admin key (rotated away, then replaced) gives the chain admin keys to break while the
    // observer stays usable
    MKey second = keyCall(KeyOp.ROTATE, first, first);
    observer = keyCall(KeyOp.REPLACE, second, first);
    MKey operatorKey = hatchNew();
    promoteResolved(second, identities.get(operatorKey.owner), Tier.T2, operatorKey.owner);
    hatchNew();
    bondResolved(operatorKey, Tier.T1, false); // an agent from the start: pulses need one
    checkInvariants();
  }

  @Override
  public void close() {
    t.close();
  }

  Instant now() {
    return t.clock.instant();
  }

  MKey addKey(IssuedKey k) {
    t.key(k);
    MKey m = new MKey(k);
    keys.put(m.id, m);
    return m;
  }

  /** Whether the key authenticates (it may still be refused as blocked). */
  boolean usable(MKey k) {
    return !k.revoked
        && k.graceUntil.map(now()::isBefore).orElse(true)
        && k.bond.map(b -> bonds.get(b).active).orElse(true)
        && who(k).status != IdentityStatus.DELETED;
  }

  MIdentity who(MKey k) {
    return identities.get(k.owner);
  }

  List<MKey> keyList() {
    return new ArrayList<>(keys.values());
  }

  /** Keys the chain may target: all but the observer. */
  List<MKey> targetKeys() {
    List<MKey> l = keyList();
    l.remove(observer);
    return l;
  }

  MKey actor(int pick) {
    List<MKey> l = keyList();
    return l.get(pick % l.size());
  }

  /**
   * Two times in three a working key of an active T2 duckling (one that may govern), else any key:
   * so that chains build a world — operators, agents, bonds — as well as being refused.
   */
  MKey governor(int pick) {
    List<MKey> l = keys.values().stream()
        .filter(k -> usable(k) && who(k).isDuckling() && who(k).tier == Tier.T2 && who(k).status == IdentityStatus.ACTIVE)
        .collect(Collectors.toList());
    return l.isEmpty() || pick % 3 == 2 ? actor(pick / 3) : l.get((pick / 3) % l.size());
  }

  List<MIdentity> identityList() {
    return new ArrayList<>(identities.values());
  }

  List<MIdentity> agents() {
    return identities.values().stream().filter(m -> !m.isDuckling()).collect(Collectors.toList());
  }

  MIdentity admin() {
    return identities.get(observer.owner);
  }

  // ---------------------------------------------------------------- hatching (H1–H5, D1)

  /** Hatches a T1 duckling with a new email; returns its key. */
  MKey hatchNew() {
    return hatchWith(t.newEmail(), "hatch");
  }

  private MKey hatchWith(String email, String what) {
    long head = head();
    HatchResult h = t.hatch("Duckling " + (identities.size() + 1), email);
    AuditEvent e = single(head, AuditAction.HATCH_COMPLETED, AuditOutcome.SUCCESS);
    ensure(e.resource().equals(h.duckling().id().value()), "hatch event names the duckling");
    ensure(h.duckling().tier() == Tier.T1, "H3: a hatched duckling is T1");
    expectedEvents++;
    successes++;
    identities.put(h.duckling().id(), new MIdentity(h.duckling().id(), false, Optional.empty(), Optional.empty(),
        Optional.of(email), Tier.T1, h.certificate().id()));
    trace.add(what + " -> " + h.duckling().id());
    return addKey(h.key());
  }

  /**
   * 0 a new email; 1 the email of a live duckling (refused, H4); 2 the email of a deleted duckling
   * (hatches again, D1); 3 a wrong code first (refused, H3), then the right one; 4 a failed human
   * check (refused, H1); 5 the right code after it expired (refused, H2).
   */
  void hatch(int mode, int pick) {
    List<MIdentity> live = identities.values().stream()
        .filter(m -> m.email.isPresent() && m.status != IdentityStatus.DELETED).collect(Collectors.toList());
    Set<String> liveEmails = live.stream().map(m -> m.email.get()).collect(Collectors.toSet());
    List<String> freed = identities.values().stream()
        .filter(m -> m.email.isPresent() && m.status == IdentityStatus.DELETED)
        .map(m -> m.email.get()).filter(e -> !liveEmails.contains(e)).distinct().collect(Collectors.toList());
    switch (mode) {
      case 0 -> hatchNew();
      case 1 -> {
        String email = live.get(pick % live.size()).email.get();
        refusedHatch("hatch with the email of a live duckling", () -> t.complete(t.startHatch("Again", email)));
      }
      case 2 -> {
        if (freed.isEmpty()) {
          hatchNew();
        } else {
          hatchWith(freed.get(pick % freed.size()), "hatch with a deleted duckling's email");
        }
      }
      case 3 -> {
        String email = t.newEmail();
        HatchTicket ticket = t.startHatch("Typo", email);
        String code = t.codes.get(ticket.id());
        String wrong = (code.charAt(0) == '9' ? "0" : String.valueOf((char) (code.charAt(0) + 1))) + code.substring(1);
        refusedHatch("complete a hatch with a wrong code", () -> t.engine.hatching().complete(ticket.id(), VerificationCode.of(wrong)));
        long head = head();
        HatchResult h = t.complete(ticket);
        single(head, AuditAction.HATCH_COMPLETED, AuditOutcome.SUCCESS);
        expectedEvents++;
        successes++;
        identities.put(h.duckling().id(), new MIdentity(h.duckling().id(), false, Optional.empty(), Optional.empty(),
            Optional.of(email), Tier.T1, h.certificate().id()));
        addKey(h.key());
        trace.add("  then the right code -> " + h.duckling().id());
      }
      case 4 -> refusedHatch("hatch with a failed human check",
          () -> t.engine.hatching().start(new io.spaceduck.api.HatchRequest("Bot", io.spaceduck.api.Email.of(t.newEmail()), "bot",
              EngineFixture.SOURCE)));
      default -> {
        HatchTicket ticket = t.startHatch("Slow", t.newEmail());
        advance(Duration.between(now(), ticket.expiresAt()));
        refusedHatch("complete a hatch at its expiry", () -> t.complete(ticket));
      }
    }
  }

  /** A hatch refusal: {@link Rejected}, nothing audited, nothing the model tracks changed. */
  private void refusedHatch(String what, Supplier<Object> body) {
    Map<String, Object> before = snapshot();
    long head = head();
    Outcome out;
    try {
      body.get();
      out = Outcome.SUCCESS;
    } catch (Rejected e) {
      out = Outcome.REJECTED;
    }
    trace.add(what + " -> " + out);
    ensure(out == Outcome.REJECTED, "H1/H3/H4: " + what + " must be refused generically, not " + out);
    ensure(head() == head, "I4: a refused hatch appended an audit event");
    ensure(before.equals(snapshot()), "I4: a refused hatch changed state");
  }

  void advance(Duration d) {
    t.clock.advance(d);
    trace.add("advance " + d + " → " + now());
  }

  /**
   * Two in three up to 20 minutes (across key grace and the stale threshold), one in three 1–3 hours
   * (past the pulse TTL).
   */
  void advance(int kind, int amount) {
    advance(kind % 3 == 2 ? Duration.ofHours(1 + amount % 3) : Duration.ofSeconds(amount * 6L / 5));
  }

  // ---------------------------------------------------------------- tiers (I1, I2, I7)

  void promote(int actorPick, int targetPick, Tier tier, boolean self, boolean unknown) {
    MKey actor = governor(actorPick);
    IdentityId targetId;
    if (self) {
      targetId = actor.owner;
    } else if (unknown) {
      targetId = UNKNOWN_DUCKLING;
    } else {
      List<MIdentity> ids = identityList();
      targetId = ids.get(targetPick % ids.size()).id;
    }
    promoteResolved(actor, identities.get(targetId), tier, targetId);
  }

  Set<Outcome> promoteReasons(MIdentity caller, MIdentity target, Tier tier, IdentityId targetId) {
    Set<Outcome> reasons = EnumSet.noneOf(Outcome.class);
    if (target == null) {
      reasons.add(Outcome.NOT_FOUND);
    }
    if (!caller.isDuckling() || !caller.tier.atLeast(Tier.T2)) {
      reasons.add(Outcome.FORBIDDEN); // PROMOTE: T2 ducklings
    }
    if (targetId.equals(caller.id)) {
      reasons.add(Outcome.FORBIDDEN); // I2
    }
    if (tier == Tier.T3 && !t3) {
      reasons.add(Outcome.FORBIDDEN); // I7
    }
    if (target != null) {
      if (target.status != IdentityStatus.ACTIVE) {
        reasons.add(Outcome.CONFLICT);
      }
      if (!tier.atLeast(target.tier) || tier == target.tier) {
        reasons.add(Outcome.INVALID_INPUT);
      }
      if (target.isDuckling() && tier != Tier.T2) {
        reasons.add(Outcome.FORBIDDEN);
      }
      if (!target.isDuckling()) {
        if (!(caller.admin || target.operator.get().equals(caller.id))) {
          reasons.add(Outcome.FORBIDDEN); // B3
        }
        Tier op = identities.get(target.operator.get()).tier;
        boolean allowed = tier == Tier.T3 ? op == Tier.T2 : op.atLeast(tier);
        if (!allowed) {
          reasons.add(Outcome.FORBIDDEN); // I1: never above the operator
        }
        if (!bonds.get(target.bond.get()).active) {
          reasons.add(Outcome.CONFLICT); // B2: a revoked bond's agent gets no new certificate
        }
      }
    }
    return reasons;
  }

  void promoteResolved(MKey actor, MIdentity target, Tier tier, IdentityId targetId) {
    MIdentity caller = who(actor);
    call(
        "promote " + actor + " (" + caller + ") → " + (target == null ? "unknown " + targetId : target) + " to " + tier,
        actor,
        Expect.of(promoteReasons(caller, target, tier, targetId)),
        AuditAction.TIER_PROMOTED,
        targetId.value(),
        () -> t.engine.identities().promote(actor.raw, targetId, tier),
        (BirthCertificate cert, AuditEvent event) -> {
          ensure(event.resource().equals(targetId.value()), "promotion event names the target");
          ensure(!event.actor().equals(event.resource()), "I2: a promotion by the target itself");
          ensure(cert.tier() == tier && cert.subject().equals(targetId), "the new certificate carries the tier");
          ensure(cert.supersedes().equals(Optional.of(target.currentCert)), "C3: the new cert supersedes the current one");
          target.tier = tier;
          target.currentCert = cert.id();
          target.certs++;
        });
  }

  // ---------------------------------------------------------------- bonds (B1–B3)

  void bond(int actorPick, Tier tier, boolean badName) {
    bondResolved(governor(actorPick), tier, badName);
  }

  void bondResolved(MKey actor, Tier tier, boolean badName) {
    MIdentity caller = who(actor);
    Set<Outcome> reasons = EnumSet.noneOf(Outcome.class);
    if (!caller.isDuckling() || !caller.tier.atLeast(Tier.T2)) {
      reasons.add(Outcome.FORBIDDEN);
    }
    if (tier == Tier.T3 ? !t3 : !caller.tier.atLeast(tier)) {
      reasons.add(Outcome.FORBIDDEN); // I1, I7
    }
    Expect expect = Expect.of(reasons);
    if (badName) {
      // a caller mistake may be refused before the key is even looked at
      Set<Outcome> r = EnumSet.of(Outcome.INVALID_INPUT);
      r.addAll(reasons);
      expect = new Expect(r, false, Set.of(Outcome.INVALID_INPUT));
    }
    String name = badName ? "   " : "Agent " + (bonds.size() + 1);
    call(
        "bond " + actor + " (" + caller + ") at " + tier + (badName ? " with a blank name" : ""),
        actor,
        expect,
        AuditAction.BOND_CREATED,
        "bond",
        () -> t.engine.bonds().bond(actor.raw, name, tier),
        (BondResult r, AuditEvent event) -> {
          ensure(event.resource().equals(r.bond().id().value()), "bond event names the bond");
          ensure(r.agent().tier() == tier && r.certificate().tier() == tier, "the agent has the requested tier");
          ensure(r.agent().operator().equals(caller.id) && r.bond().operator().equals(caller.id), "the caller operates");
          MBond b = new MBond(r.bond());
          bonds.put(b.id, b);
          identities.put(r.agent().id(), new MIdentity(r.agent().id(), false, Optional.of((DucklingId) caller.id),
              Optional.of(b.id), Optional.empty(), tier, r.certificate().id()));
          addKey(r.key());
        });
  }

  void revokeBond(int actorPick, int bondPick, boolean unknown) {
    MKey actor = governor(actorPick);
    List<MBond> all = new ArrayList<>(bonds.values());
    MBond bond = unknown || all.isEmpty() ? null : all.get(bondPick % all.size());
    revokeBondResolved(actor, bond);
  }

  Set<Outcome> revokeBondReasons(MIdentity caller, MBond bond) {
    Set<Outcome> reasons = EnumSet.noneOf(Outcome.class);
    if (bond == null) {
      reasons.add(Outcome.NOT_FOUND);
    } else {
      if (!caller.isDuckling() || !caller.tier.atLeast(Tier.T2)) {
        reasons.add(Outcome.FORBIDDEN);
      }
      if (!caller.admin && !bond.operator.equals(caller.id)) {
        reasons.add(Outcome.FORBIDDEN); // B3
      }
      if (!bond.active) {
        reasons.add(Outcome.CONFLICT);
      }
    }
    return reasons;
  }

  void revokeBondResolved(MKey actor, MBond bond) {
    MIdentity caller = who(actor);
    BondId bondId = bond == null ? new BondId(BondId.PREFIX + "zzzzzzzzzzzzzzzzzzzzzzzzzz") : bond.id;
    call(
        "revokeBond by " + actor + " (" + caller + ") of " + bondId,
        actor,
        Expect.of(revokeBondReasons(caller, bond)),
        AuditAction.BOND_REVOKED,
        bondId.value(),
        () -> t.engine.bonds().revoke(actor.raw, bondId, ReasonCode.NO_LONGER_NEEDED),
        (Bond b, AuditEvent event) -> {
          ensure(event.resource().equals(bondId.value()), "bond revocation event names the bond");
          ensure(b.revocation().map(r -> r.by().equals(caller.id)).orElse(false), "B2: records the revoking operator");
          revokeBondInModel(bond);
        });
  }

  private void revokeBondInModel(MBond bond) {
    bond.active = false;
    for (MKey k : keys.values()) {
      if (k.bond.equals(Optional.of(bond.id))) {
        k.revoked = true; // K4: revoking a bond revokes all its keys
      }
    }
  }

  // ---------------------------------------------------------------- keys (K2–K5)

  enum KeyOp {
    ROTATE,
    REVOKE,
    REPLACE
  }

  void keyOp(KeyOp op, int actorPick, int targetPick, boolean self, boolean unknown) {
    MKey actor = governor(actorPick);
    List<MKey> targets = targetKeys();
    MKey target;
    if (self && actor != observer) {
      target = actor;
    } else if (unknown || targets.isEmpty()) {
      target = null;
    } else {
      target = targets.get(targetPick % targets.size());
    }
    keyCall(op, actor, target);
  }

  Set<Outcome> keyReasons(KeyOp op, MIdentity caller, MKey target) {
    Set<Outcome> reasons = EnumSet.noneOf(Outcome.class);
    if (target == null) {
      reasons.add(Outcome.NOT_FOUND);
    } else if (op == KeyOp.REPLACE) {
      if (!caller.admin) {
        reasons.add(Outcome.FORBIDDEN); // K5: admins only
      }
      if (who(target).status != IdentityStatus.ACTIVE) {
        reasons.add(Outcome.CONFLICT);
      }
      if (target.bond.isPresent() && !bonds.get(target.bond.get()).active) {
        reasons.add(Outcome.CONFLICT);
      }
    } else {
      MIdentity owner = identities.get(target.owner);
      if (owner.id.equals(caller.id)) {
        if (!caller.tier.atLeast(Tier.T1)) {
          reasons.add(Outcome.FORBIDDEN); // MANAGE_OWN_KEYS: T1
        }
      } else {
        boolean governs = caller.admin || owner.operator.map(caller.id::equals).orElse(false);
        if (!governs || !caller.isDuckling() || !caller.tier.atLeast(Tier.T2)) {
          reasons.add(Outcome.FORBIDDEN); // B3, MANAGE_AGENT_KEYS
        }
        if (op == KeyOp.ROTATE && owner.isDuckling()) {
          reasons.add(Outcome.FORBIDDEN); // K2: only its owner rotates a duckling's key (an admin replaces it, K5)
        }
      }
      if (op == KeyOp.ROTATE && (target.revoked || target.graceUntil.isPresent())) {
        reasons.add(Outcome.CONFLICT); // only an active key rotates
      }
      if (op == KeyOp.REVOKE && target.revoked) {
        reasons.add(Outcome.CONFLICT);
      }
    }
    return reasons;
  }

  /** Runs a key operation; returns the new key on success (rotate, replace), else null. */
  MKey keyCall(KeyOp op, MKey actor, MKey target) {
    MIdentity caller = who(actor);
    KeyId targetId = target == null ? new KeyId("zzzzzzzzzzzzzzzz") : target.id;
    AuditAction action =
        switch (op) {
          case ROTATE -> AuditAction.KEY_ROTATED;
          case REVOKE -> AuditAction.KEY_REVOKED;
          case REPLACE -> AuditAction.KEY_REPLACED;
        };
    Instant now = now();
    MKey[] fresh = new MKey[1];
    call(
        op.name().toLowerCase() + " by " + actor + " (" + caller + ") of " + (target == null ? "unknown key" : target),
        actor,
        Expect.of(keyReasons(op, caller, target)),
        action,
        targetId.value(),
        () ->
            switch (op) {
              case ROTATE -> t.engine.keys().rotate(actor.raw, targetId);
              case REVOKE -> t.engine.keys().revoke(actor.raw, targetId, ReasonCode.COMPROMISED);
              case REPLACE -> t.engine.keys().replace(actor.raw, targetId, ReasonCode.COMPROMISED);
            },
        (Object result, AuditEvent event) -> {
          ensure(event.resource().equals(targetId.value()), "key event names the key");
          switch (op) {
            case ROTATE -> {
              IssuedKey k = (IssuedKey) result;
              ensure(k.info().owner().equals(target.owner) && k.info().bond().equals(target.bond), "K2: same owner");
              target.graceUntil = Optional.of(now.plus(EngineFixture.GRACE));
              fresh[0] = addKey(k);
            }
            case REVOKE -> {
              KeyInfo info = (KeyInfo) result;
              ensure(info.revocation().map(r -> r.by().equals(caller.id)).orElse(false), "K4: revocation records who");
              target.revoked = true;
            }
            case REPLACE -> {
              IssuedKey k = (IssuedKey) result;
              ensure(k.info().owner().equals(target.owner) && k.info().bond().equals(target.bond), "K5: same owner");
              target.revoked = true;
              fresh[0] = addKey(k);
            }
          }
        });
    return fresh[0];
  }

  // ---------------------------------------------------------------- blocks and deletion (D1)

  Set<Outcome> platformBlockReasons(MIdentity caller, MIdentity target, boolean unblock) {
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (!caller.admin) {
      r.add(Outcome.FORBIDDEN); // BLOCK_PLATFORM: admins
    }
    if (unblock) {
      if (target.status != IdentityStatus.BLOCKED) {
        r.add(Outcome.CONFLICT);
      }
    } else {
      if (target.id.equals(caller.id)) {
        r.add(Outcome.INVALID_INPUT);
      }
      if (target.status != IdentityStatus.ACTIVE) {
        r.add(Outcome.CONFLICT);
      }
    }
    return r;
  }

  /** Platform-wide block ({@code unblock} false) or unblock of {@code target} with {@code actor}. */
  void platformBlockResolved(MKey actor, MIdentity target, boolean unblock) {
    MIdentity caller = who(actor);
    Set<Outcome> r = platformBlockReasons(caller, target, unblock);
    if (unblock) {
      call("unblockPlatformWide " + target + " by " + actor + " (" + caller + ")", actor, Expect.of(r),
          AuditAction.IDENTITY_UNBLOCKED, target.id.value(), () -> {
            t.engine.blocks().unblockPlatformWide(actor.raw, target.id, ReasonCode.NONE);
            return null;
          }, (Object x, AuditEvent e) -> target.status = IdentityStatus.ACTIVE);
    } else {
      call("blockPlatformWide " + target + " by " + actor + " (" + caller + ")", actor, Expect.of(r),
          AuditAction.IDENTITY_BLOCKED, target.id.value(),
          () -> t.engine.blocks().blockPlatformWide(actor.raw, target.id, ReasonCode.POLICY_VIOLATION),
          (Object x, AuditEvent e) -> target.status = IdentityStatus.BLOCKED);
    }
  }

  /** A deletion request (D1) for a duckling (or an unknown one), by its own key or anyone's. */
  void deletion(int actorPick, int targetPick, boolean self, boolean unknown) {
    MKey actor = actor(actorPick);
    MIdentity caller = who(actor);
    List<MIdentity> ducklings = identities.values().stream()
        .filter(m -> m.isDuckling() && !m.admin).collect(Collectors.toList());
    MIdentity target;
    if (unknown) {
      target = null;
    } else if (self && caller.isDuckling() && !caller.admin) {
      target = caller;
    } else if (caller.admin || ducklings.isEmpty()) {
      // the admin deletes another duckling; others may also aim at the admin (and are refused)
      target = ducklings.isEmpty() ? null : ducklings.get(targetPick % ducklings.size());
    } else {
      List<MIdentity> any = identities.values().stream().filter(MIdentity::isDuckling).collect(Collectors.toList());
      target = any.get(targetPick % any.size());
    }
    deletionResolved(actor, target);
  }

  Set<Outcome> deletionReasons(MIdentity caller, MIdentity target) {
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    boolean own = target != null && target.id.equals(caller.id);
    if (own ? !(caller.isDuckling() && caller.tier.atLeast(Tier.T1)) : !caller.admin) {
      r.add(Outcome.FORBIDDEN); // REQUEST_DELETION (own), DELETE_IDENTITY (admins)
    }
    if (target == null) {
      r.add(Outcome.NOT_FOUND);
    } else if (target.status == IdentityStatus.DELETED) {
      r.add(Outcome.CONFLICT);
    }
    return r;
  }

  void deletionResolved(MKey actor, MIdentity target) {
    MIdentity caller = who(actor);
    DucklingId targetId = target == null ? UNKNOWN_DUCKLING : (DucklingId) target.id;
    call("requestDeletion of " + (target == null ? "an unknown duckling" : target) + " by " + actor + " (" + caller + ")",
        actor, Expect.of(deletionReasons(caller, target)), AuditAction.IDENTITY_DELETED, targetId.value(),
        () -> t.engine.identities().requestDeletion(actor.raw, targetId, ReasonCode.DELETION_REQUEST),
        (Duckling d, AuditEvent e) -> {
          ensure(d.status() == IdentityStatus.DELETED && d.id().equals(targetId), "D1: the duckling is marked deleted");
          target.status = IdentityStatus.DELETED;
          for (MKey k : keys.values()) {
            if (k.owner.equals(target.id)) {
              k.revoked = true; // D1: its keys
            }
          }
          for (MBond b : bonds.values()) {
            if (b.operator.equals(target.id) && b.active) {
              revokeBondInModel(b); // D1: its bonds, and their keys
            }
          }
        });
  }

  // ---------------------------------------------------------------- pulses (U1–U3)

  /** Mostly an agent's key, one in four any key. */
  MKey pulseActor(int pick, int keyPick) {
    List<MKey> agentKeys = keys.values().stream().filter(k -> !who(k).isDuckling()).collect(Collectors.toList());
    return agentKeys.isEmpty() || Act.rare(pick, 4) ? actor(keyPick) : agentKeys.get(keyPick % agentKeys.size());
  }

  /** A pulse with any key: agents may (any tier), ducklings may not. */
  void pulse(MKey actor, int statusPick) {
    MIdentity caller = who(actor);
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (caller.isDuckling()) {
      r.add(Outcome.FORBIDDEN); // PULSE: agents
    }
    String status = STATUSES.get(statusPick % STATUSES.size());
    Instant now = now();
    call("pulse " + status + " by " + actor + " (" + caller + ")", actor, Expect.of(r), null, null,
        () -> t.engine.pulses().pulse(actor.raw, status),
        (Pulse p, AuditEvent none) -> {
          ensure(p.agent().equals(caller.id) && p.operator().equals(caller.operator.get()) && p.at().equals(now)
              && p.status().equals(status), "U1: the pulse is the caller's, now: " + p);
          pulses.computeIfAbsent(caller.id, k -> new ArrayList<>()).add(p);
        });
  }

  /** Reads an agent's latest pulse and history with any key: itself, its operator or an admin may. */
  void readPulses(int actorPick, int agentPick) {
    List<MIdentity> agents = agents();
    if (agents.isEmpty()) {
      trace.add("readPulses: no agent yet");
      return;
    }
    MKey actor = actor(actorPick);
    MIdentity caller = who(actor);
    MIdentity agent = agents.get(agentPick % agents.size());
    Set<Outcome> r = EnumSet.noneOf(Outcome.class);
    if (!caller.id.equals(agent.id) && (!caller.isDuckling() || !(caller.admin || agent.operator.get().equals(caller.id)))) {
      r.add(Outcome.FORBIDDEN); // READ_PULSES: itself, its operator, an admin
    }
    call("read pulses of " + agent + " by " + actor + " (" + caller + ")", actor, Expect.of(r), null, null,
        () -> List.<Object>of(t.engine.pulses().latest(actor.raw, (io.spaceduck.api.AgentId) agent.id),
            t.engine.pulses().history(actor.raw, (io.spaceduck.api.AgentId) agent.id, 1000)),
        (List<Object> read, AuditEvent none) -> {
          ensure(read.get(0).equals(latestPulse(agent.id)), "U1: the latest pulse of " + agent + " read by " + caller);
          ensure(read.get(1).equals(visibleHistory(agent.id)), "U1: the pulse history of " + agent + " read by " + caller);
        });
  }

  /**
   * The explicit TTL sweep (after a whole TTL has passed, as a scheduled one would, when {@code
   * late}): deletes exactly the stored history older than the TTL, never a latest pulse.
   */
  void sweep(boolean late) {
    if (late) {
      advance(EngineFixture.PULSE_TTL);
    }
    Instant cutoff = now().minus(EngineFixture.PULSE_TTL);
    long stored = 0;
    for (MIdentity a : agents()) {
      stored += t.storage.pulseHistory((io.spaceduck.api.AgentId) a.id, Integer.MAX_VALUE).stream()
          .filter(p -> p.at().isBefore(cutoff)).count();
    }
    int n = t.engine.pulses().sweepExpired();
    trace.add("sweepExpired → " + n);
    ensure(n == stored, "U1: the sweep deleted " + n + " pulses, the store held " + stored + " older than the TTL");
    for (MIdentity a : agents()) {
      List<Pulse> kept = Pulses.expectedHistory(pulses.getOrDefault(a.id, List.of()), (io.spaceduck.api.AgentId) a.id)
          .stream().filter(p -> !p.at().isBefore(cutoff)).collect(Collectors.toList());
      ensure(kept.equals(t.storage.pulseHistory((io.spaceduck.api.AgentId) a.id, Integer.MAX_VALUE)),
          "U1: after the sweep the store keeps exactly the pulses within the TTL of " + a);
    }
  }

  Optional<Pulse> latestPulse(IdentityId agent) {
    return Pulses.expectedHistory(pulses.getOrDefault(agent, List.of()), (io.spaceduck.api.AgentId) agent)
        .stream().findFirst();
  }

  List<Pulse> visibleHistory(IdentityId agent) {
    Instant cutoff = now().minus(EngineFixture.PULSE_TTL);
    return Pulses.expectedHistory(pulses.getOrDefault(agent, List.of()), (io.spaceduck.api.AgentId) agent)
        .stream().filter(p -> !p.at().isBefore(cutoff)).collect(Collectors.toList());
  }

  // ---------------------------------------------------------------- the adversary

  /**
   * The adversary: takes any key it can get — revoked, rotated away, another operator's, a T1
   * duckling's, an agent's, but never a working admin key — and tries something the model says that
   * key must not do. The attempt must be refused, and if the key authenticated, a governance attempt
   * must be audited as DENIED naming the key's owner (A1); a read is refused without an event.
   */
  void adversary(int keyPick, int attempt, int targetPick) {
    List<MKey> stolen = keys.values().stream()
        .filter(k -> !(who(k).admin && usable(k))).collect(Collectors.toList());
    if (stolen.isEmpty()) {
      trace.add("adversary: no key to steal yet");
      return;
    }
    MKey k = stolen.get(keyPick % stolen.size());
    MIdentity me = who(k);
    adversaryAttempts++;
    List<MIdentity> others = identities.values().stream().filter(m -> !m.id.equals(me.id)).collect(Collectors.toList());
    MIdentity other = others.get(targetPick % others.size());
    Tier above = me.tier == Tier.T2 ? Tier.T3 : me.tier == Tier.T1 ? Tier.T2 : Tier.T1;
    switch (attempt % 10) {
      case 0 -> {
        // I2: promote itself one tier up (and T3 while the feature is off, I7)
        Set<Outcome> r = promoteReasons(me, me, above, me.id);
        mustRefuse(k, r, "self-promotion");
        String d = "adversary: self-promotion of " + me + " to " + above + " with " + k;
        adversaryCall(d, k, r, AuditAction.TIER_PROMOTED, me.id.value(), () -> t.engine.identities().promote(k.raw, me.id, above));
      }
      case 1 -> {
        // K5: replace someone's key, not being an admin
        List<MKey> victims = targetKeys();
        MKey v = victims.get(targetPick % victims.size());
        Set<Outcome> r = keyReasons(KeyOp.REPLACE, me, v);
        mustRefuse(k, r, "replace");
        adversaryCall("adversary: replace " + v + " with " + k, k, r, AuditAction.KEY_REPLACED, v.id.value(),
            () -> t.engine.keys().replace(k.raw, v.id, ReasonCode.COMPROMISED));
      }
      case 2 -> {
        // block anyone platform-wide, not being an admin
        Set<Outcome> r = platformBlockReasons(me, other, false);
        mustRefuse(k, r, "platform block");
        adversaryCall("adversary: block " + other + " with " + k, k, r, AuditAction.IDENTITY_BLOCKED, other.id.value(),
            () -> t.engine.blocks().blockPlatformWide(k.raw, other.id, ReasonCode.POLICY_VIOLATION));
      }
      case 3, 4 -> {
        // B3: revoke a bond, or rotate or revoke a key, of an identity it does not govern
        List<MBond> foreignBonds = bonds.values().stream().filter(b -> !b.operator.equals(me.id)).collect(Collectors.toList());
        List<MKey> foreignKeys = targetKeys().stream()
            .filter(x -> !x.owner.equals(me.id) && !identities.get(x.owner).operator.map(me.id::equals).orElse(false))
            .collect(Collectors.toList());
        if (attempt % 10 == 3 && !foreignBonds.isEmpty()) {
          MBond b = foreignBonds.get(targetPick % foreignBonds.size());
          Set<Outcome> r = revokeBondReasons(me, b);
          mustRefuse(k, r, "foreign bond revocation");
          adversaryCall("adversary: revoke the bond " + b.id + " of " + b.operator.value().substring(0, 8) + "… with " + k, k, r,
              AuditAction.BOND_REVOKED, b.id.value(), () -> t.engine.bonds().revoke(k.raw, b.id, ReasonCode.COMPROMISED));
        } else if (!foreignKeys.isEmpty()) {
          MKey v = foreignKeys.get(targetPick % foreignKeys.size());
          KeyOp op = targetPick % 2 == 0 ? KeyOp.ROTATE : KeyOp.REVOKE;
          Set<Outcome> r = keyReasons(op, me, v);
          mustRefuse(k, r, "foreign key " + op);
          adversaryCall("adversary: " + op.name().toLowerCase() + " " + v + " with " + k, k, r,
              op == KeyOp.ROTATE ? AuditAction.KEY_ROTATED : AuditAction.KEY_REVOKED, v.id.value(),
              () -> op == KeyOp.ROTATE ? t.engine.keys().rotate(k.raw, v.id) : t.engine.keys().revoke(k.raw, v.id, ReasonCode.COMPROMISED));
        } else {
          trace.add("adversary: nothing foreign to aim at");
        }
      }
      case 5 -> {
        // D1: delete another duckling, not being an admin
        List<MIdentity> ducklings = others.stream().filter(MIdentity::isDuckling).collect(Collectors.toList());
        MIdentity v = ducklings.get(targetPick % ducklings.size());
        Set<Outcome> r = deletionReasons(me, v);
        mustRefuse(k, r, "deletion of another duckling");
        adversaryCall("adversary: delete " + v + " with " + k, k, r, AuditAction.IDENTITY_DELETED, v.id.value(),
            () -> t.engine.identities().requestDeletion(k.raw, (DucklingId) v.id, ReasonCode.DELETION_REQUEST));
      }
      case 6 -> {
        // I1, I7: bond an agent above what the key's identity may grant (T3 while the feature is off)
        Tier tier = me.isDuckling() && me.tier == Tier.T2 ? Tier.T3 : Tier.T1;
        Set<Outcome> r = EnumSet.noneOf(Outcome.class);
        if (!me.isDuckling() || !me.tier.atLeast(Tier.T2)) {
          r.add(Outcome.FORBIDDEN);
        }
        if (tier == Tier.T3 ? !t3 : !me.tier.atLeast(tier)) {
          r.add(Outcome.FORBIDDEN);
        }
        if (r.isEmpty()) {
          trace.add("adversary: with T3_AUTOMATION on, " + me + " may bond at T3");
          return;
        }
        adversaryCall("adversary: bond at " + tier + " with " + k, k, r, AuditAction.BOND_CREATED, "bond",
            () -> t.engine.bonds().bond(k.raw, "Sleeper", tier));
      }
      case 7 -> {
        // A4: read or verify the audit log without the right (reads: refused, not audited)
        boolean read = targetPick % 2 == 0;
        Set<Outcome> r = EnumSet.noneOf(Outcome.class);
        if (read ? !(me.isDuckling() && me.tier.atLeast(Tier.T2)) : !me.admin) {
          r.add(Outcome.FORBIDDEN);
        }
        if (r.isEmpty()) {
          trace.add("adversary: " + me + " may read its own governance");
          return;
        }
        adversaryCall("adversary: " + (read ? "read" : "verify") + " the audit log with " + k, k, r, null, null,
            () -> read ? t.engine.audit().read(k.raw, AuditQuery.all()) : t.engine.audit().verify(k.raw));
      }
      case 8 -> {
        // U1: pulse as a duckling, or read the pulses of an agent it neither is nor operates
        List<MIdentity> agents = agents().stream()
            .filter(a -> !a.id.equals(me.id) && !a.operator.get().equals(me.id)).collect(Collectors.toList());
        if (me.isDuckling() || agents.isEmpty()) {
          Set<Outcome> r = me.isDuckling() ? EnumSet.of(Outcome.FORBIDDEN) : EnumSet.noneOf(Outcome.class);
          if (r.isEmpty()) {
            trace.add("adversary: an agent may pulse");
            return;
          }
          adversaryCall("adversary: pulse as " + me + " with " + k, k, r, null, null, () -> t.engine.pulses().pulse(k.raw, "up"));
        } else {
          MIdentity a = agents.get(targetPick % agents.size());
          adversaryCall("adversary: read the pulses of " + a + " with " + k, k, EnumSet.of(Outcome.FORBIDDEN), null, null,
              () -> t.engine.pulses().history(k.raw, (io.spaceduck.api.AgentId) a.id, 10));
        }
      }
      default -> {
        // K2: use the key for what only another identity may do: rotate the observer's key
        Set<Outcome> r = keyReasons(KeyOp.ROTATE, me, observer);
        mustRefuse(k, r, "rotation of the admin's key");
        adversaryCall("adversary: rotate the admin's key with " + k, k, r, AuditAction.KEY_ROTATED, observer.id.value(),
            () -> t.engine.keys().rotate(k.raw, observer.id));
      }
    }
  }

  /** A stolen key that still authenticates must be refused for a reason of the model's own. */
  private void mustRefuse(MKey k, Set<Outcome> reasons, String what) {
    ensure(!usable(k) || !reasons.isEmpty(), "kit bug: the adversary's " + what + " is allowed by the model");
  }

  private void adversaryCall(String what, MKey k, Set<Outcome> reasons, AuditAction action, String resource, Supplier<Object> body) {
    call(what, k, Expect.of(reasons), action, resource, body, (Object x, AuditEvent e) -> {
      throw failure("the adversary succeeded: " + what);
    });
  }

  // ---------------------------------------------------------------- garbage keys (K6)

  void garbage(int form, int op, int p) {
    List<MKey> l = keyList();
    MKey known = l.get(p % l.size());
    BeakKey key =
        switch (form) {
          case 0 -> BeakKey.of("not-a-beak-key");
          case 1 -> BeakKey.of(BeakKey.PREFIX + "aaaaaaaaaaaaaaaa_" + "a".repeat(52)); // unknown key id
          default -> BeakKey.of(BeakKey.PREFIX + known.id + "_" + "a".repeat(52)); // known id, wrong secret
        };
    MIdentity anyone = identities.values().iterator().next();
    Supplier<Object> c =
        switch (op) {
          case 0 -> () -> t.engine.identities().promote(key, anyone.id, Tier.T2);
          case 1 -> () -> t.engine.bonds().bond(key, "Ghost", Tier.T0);
          case 2 -> () -> t.engine.keys().rotate(key, known.id);
          case 3 -> () -> t.engine.keys().revoke(key, known.id, ReasonCode.COMPROMISED);
          default -> () -> t.engine.authenticate(key);
        };
    call("garbage key (form " + form + ", op " + op + ")", null, new Expect(Set.of(Outcome.UNAUTHENTICATED), false, Set.of()),
        null, null, c, (Object r, AuditEvent e) -> {});
  }

  // ---------------------------------------------------------------- the checked call

  @FunctionalInterface
  interface OnSuccess<T> {
    void accept(T result, AuditEvent event);
  }

  /**
   * Runs one call and checks its outcome against {@code expect} (after the caller's own refusals: a
   * key that does not authenticate is refused first; a blocked identity's governance attempt is
   * denied, its read refused), then I4 and A1: a success of a governance action ({@code action}
   * non-null) adds exactly one success event by the caller, of a read none; a {@code Forbidden}
   * governance attempt exactly one DENIED event naming the caller and {@code deniedResource}, of a
   * read none; any other refusal none; and no refusal changes anything the model tracks.
   */
  @SuppressWarnings("unchecked")
  <T> void call(
      String description, MKey actor, Expect expect, AuditAction action, String deniedResource, Supplier<T> body,
      OnSuccess<? super T> onSuccess) {
    if (actor != null && !usable(actor)) {
      expect = expect.only(Outcome.UNAUTHENTICATED);
    } else if (actor != null && who(actor).status == IdentityStatus.BLOCKED) {
      expect = expect.only(Outcome.FORBIDDEN); // A1: a blocked caller's governance attempt is denied
    } else if (actor != null && action != null && actor.graceUntil.isPresent()) {
      // K3: a key in its rotation grace still authenticates but takes none of this model's governance
      // actions (only its own part in pecks); the denial is audited (A1)
      expect = expect.only(Outcome.FORBIDDEN);
    }
    Map<String, Object> before = snapshot();
    long head = head();
    EngineCall<T> called = EngineCall.run(body, e -> failure(description + " threw " + e));
    T result = called.result();
    Outcome outcome = called.refusal().map(Outcome::of).orElse(Outcome.SUCCESS);
    trace.add(description + " -> " + outcome);
    ensure(expect.accepts(outcome), "unexpected outcome " + outcome + "; the model accepts "
        + (expect.successAllowed() ? "SUCCESS" : expect.refusals()));
    String actorId = actor == null ? null : actor.owner.value();
    switch (outcome) {
      case SUCCESS -> {
        AuditEvent e = null;
        if (action != null) {
          e = single(head, action, AuditOutcome.SUCCESS);
          ensure(e.actor().equals(actorId), "I4: the success event names the caller");
          expectedEvents++;
          successes++;
        } else {
          ensure(head() == head, "U3: a read or a pulse appended an audit event");
        }
        onSuccess.accept(result, e);
      }
      case FORBIDDEN -> {
        if (action != null) {
          AuditEvent e = single(head, action, AuditOutcome.DENIED);
          ensure(e.actor().equals(actorId), "A1: the denied event names the caller");
          ensure(deniedResource.equals(e.resource()), "A1: the denied event names the resource " + deniedResource
              + ", not " + e.resource());
          expectedEvents++;
          denials++;
        } else {
          ensure(head() == head, "a refused read appended an audit event");
        }
        ensure(before.equals(snapshot()), "I4: a Forbidden refusal changed state");
      }
      default -> {
        ensure(head() == head, "I4: a " + outcome + " refusal appended an audit event");
        ensure(before.equals(snapshot()), "I4: a " + outcome + " refusal changed state");
      }
    }
  }

  long head() {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  /** Exactly one event was appended after {@code head}, with this action and outcome. */
  AuditEvent single(long head, AuditAction action, AuditOutcome outcome) {
    ensure(head() == head + 1, "I4: expected exactly one new audit event, found " + (head() - head));
    AuditEvent e = t.storage.auditRange(head + 1, 1).get(0);
    ensure(e.action().equals(action.code()) && e.outcome() == outcome,
        "I4: expected a " + action.code() + "/" + outcome + " event, found " + e.action() + "/" + e.outcome());
    return e;
  }

  /** Everything the model tracks, read back through the engine with the observer key. */
  Map<String, Object> snapshot() {
    BeakKey o = observer.raw;
    Map<String, Object> s = new LinkedHashMap<>();
    for (MIdentity m : identities.values()) {
      s.put("identity " + m.id, t.engine.identities().get(o, m.id));
      s.put("keys " + m.id, t.engine.keys().list(o, m.id));
      s.put("certs " + m.id, t.engine.certificates().history(o, m.id));
      if (m.isDuckling()) {
        s.put("agents of " + m.id,
            t.storage.findBy(Tables.IDENTITIES_BY_OPERATOR, m.id.value()).stream().map(Versioned::value).collect(Collectors.toList()));
        s.put("bonds of " + m.id,
            t.storage.findBy(Tables.BONDS_BY_OPERATOR, m.id.value()).stream().map(Versioned::value).collect(Collectors.toList()));
      } else {
        s.put("latest pulse " + m.id, t.storage.latestPulse((io.spaceduck.api.AgentId) m.id));
      }
    }
    for (MBond b : bonds.values()) {
      s.put("bond " + b.id, t.engine.bonds().get(o, b.id));
    }
    return s;
  }

  // ---------------------------------------------------------------- invariants

  void checkInvariants() {
    BeakKey o = observer.raw;
    Instant now = now();

    // I5 on both instances, and I4 over the whole run: one event per success and per denial
    for (SpaceDuck engine : List.of(t.engine, t.second)) {
      AuditVerification v = engine.audit().verify(o);
      ensure(v.valid(), "I5: the audit chain does not verify: " + v);
      ensure(v.eventsVerified() == expectedEvents,
          "I4: " + v.eventsVerified() + " audit events for " + expectedEvents + " audited outcomes");
    }
    List<AuditEvent> events = allEvents(o);
    ensure(events.size() == expectedEvents, "A4: the admin reads every event");
    ensure(AuditChain.verify(events.iterator(), t.storage.auditHead()).valid(), "A3: the events read verify on their own");
    ensure(events.stream().filter(e -> e.outcome() == AuditOutcome.SUCCESS).count() == successes, "I4: success events");
    ensure(events.stream().filter(e -> e.outcome() == AuditOutcome.DENIED).count() == denials, "A1: denied events");
    for (AuditEvent e : events) {
      ensure(!(e.action().equals(AuditAction.TIER_PROMOTED.code())
              && e.outcome() == AuditOutcome.SUCCESS
              && e.actor().equals(e.resource())),
          "I2: self-promotion at seq " + e.seq());
    }

    for (MIdentity m : identities.values()) {
      Identity i = t.engine.identities().get(o, m.id);
      // I1: exactly the explicitly granted tier
      ensure(i.tier() == m.tier, "I1: " + m + " holds " + i.tier() + " but was granted " + m.tier);
      ensure(i.isAdmin() == m.admin, "I1: admin role of " + m);
      ensure(i.status() == m.status, "the status of " + m + " is " + i.status());
      ensure(t3 || i.tier() != Tier.T3, "I7: a T3 identity while T3_AUTOMATION is off");
      if (i instanceof Agent a) {
        Tier op = t.engine.identities().get(o, a.operator()).tier();
        if (a.tier() == Tier.T3) {
          ensure(t3 && op == Tier.T2, "I1: a T3 agent needs the feature and a T2 operator");
        } else {
          ensure(op.atLeast(a.tier()), "I1: agent " + a.id() + " at " + a.tier() + " above its operator at " + op);
        }
        ensure(t.engine.pulses().latest(o, a.id()).equals(latestPulse(a.id())), "U1: the latest pulse of " + m);
        ensure(t.engine.pulses().history(o, a.id(), 1000).equals(visibleHistory(a.id())),
            "U1: the pulse history of " + m + " (within the TTL, newest first)");
      } else {
        ensure(i instanceof Duckling d && d.tier() != Tier.T0, "a duckling is at least T1");
      }

      // I6: one current certificate, the identity's, at the end of an unbroken supersedes chain
      List<CertificateView> h = t.engine.certificates().history(o, m.id);
      ensure(h.size() == m.certs, "I6/C3: " + m + " has " + h.size() + " certificates, expected " + m.certs);
      ensure(h.stream().filter(c -> c.status().isSubjectsCurrent()).count() == 1, "I6: exactly one current cert");
      CertificateView last = h.get(h.size() - 1);
      ensure(last.status().isSubjectsCurrent() && last.certificate().id().equals(i.currentCert())
              && i.currentCert().equals(m.currentCert),
          "I6: the current cert is the identity's currentCert");
      CertStatus standing =
          m.status == IdentityStatus.DELETED ? CertStatus.DELETED
              : m.bond.isPresent() && !bonds.get(m.bond.get()).active ? CertStatus.REVOKED
              : m.status == IdentityStatus.BLOCKED ? CertStatus.BLOCKED
              : CertStatus.CURRENT;
      ensure(last.status() == standing, "C4: the current cert of " + m + " reads " + last.status() + ", not " + standing);
      ensure(last.certificate().tier() == i.tier(), "I6: the current cert carries the identity's tier");
      ensure(h.get(0).certificate().supersedes().isEmpty(), "C3: the first cert supersedes nothing");
      for (int k = 0; k < h.size(); k++) {
        BirthCertificate c = h.get(k).certificate();
        ensure(c.subject().equals(m.id), "C1: history holds only the subject's certs");
        if (k > 0) {
          ensure(c.supersedes().equals(Optional.of(h.get(k - 1).certificate().id())),
              "C3: each later cert supersedes the previous one");
        }
        ensure(t3 || c.tier() != Tier.T3, "I7: a T3 certificate while T3_AUTOMATION is off");
        String jws = seenCerts.putIfAbsent(c.id(), c.jws());
        ensure(jws == null || jws.equals(c.jws()), "I6: certificate " + c.id() + " was modified");
      }

      // the stored keys are exactly the model's, in the model's states (K3, K4)
      List<KeyInfo> stored = t.engine.keys().list(o, m.id);
      long modelled = keys.values().stream().filter(k -> k.owner.equals(m.id)).count();
      ensure(stored.size() == modelled, "K2: " + m + " has " + stored.size() + " keys, the model " + modelled);
      for (KeyInfo info : stored) {
        MKey k = keys.get(info.id());
        ensure(k != null, "an unknown key " + info.id());
        ensure(info.revocation().isPresent() == k.revoked, "K4: revocation state of " + info.id());
        ensure(info.graceUntil().equals(k.graceUntil), "K3: grace of " + info.id());
      }
    }
    for (MBond b : bonds.values()) {
      ensure((t.engine.bonds().get(o, b.id).status() == BondStatus.ACTIVE) == b.active, "B2: the status of bond " + b.id);
    }

    // I1, I3, K3, K4 on both instances: a key authenticates exactly when the model says, as its
    // identity's tier; a blocked identity's key is refused as Forbidden
    for (MKey k : keys.values()) {
      for (SpaceDuck engine : List.of(t.engine, t.second)) {
        String where = engine == t.engine ? "" : " (second instance)";
        Principal p;
        try {
          p = engine.authenticate(k.raw);
        } catch (Unauthenticated e) {
          ensure(!usable(k), "key " + k + " should authenticate at " + now + where);
          continue;
        } catch (Forbidden e) {
          ensure(usable(k) && who(k).status == IdentityStatus.BLOCKED, "key " + k + " refused as blocked at " + now + where);
          continue;
        }
        ensure(usable(k) && who(k).status == IdentityStatus.ACTIVE, "I3: key " + k + " authenticates at " + now + " but must not" + where);
        ensure(p.id().equals(k.owner) && p.keyId().equals(k.id), "K2: a key authenticates its own identity only");
        ensure(p.tier() == who(k).tier, "I1: the key acts at " + p.tier() + ", its identity's tier is " + who(k).tier);
      }
    }

    // U2: every operator that can ask sees exactly its active, bonded agents without a recent pulse
    for (MIdentity op : identities.values()) {
      if (!op.isDuckling() || op.status != IdentityStatus.ACTIVE) {
        continue;
      }
      Optional<MKey> key = keys.values().stream().filter(k -> k.owner.equals(op.id) && usable(k)).findFirst();
      if (key.isEmpty()) {
        continue;
      }
      Set<StaleAgent> expected = new HashSet<>();
      for (MIdentity a : agents()) {
        if (a.operator.get().equals(op.id) && a.status == IdentityStatus.ACTIVE && bonds.get(a.bond.get()).active) {
          Optional<Pulse> last = latestPulse(a.id);
          if (last.isEmpty() || last.get().at().isBefore(now.minus(STALE))) {
            expected.add(new StaleAgent((io.spaceduck.api.AgentId) a.id, a.bond.get(), last));
          }
        }
      }
      ensure(new HashSet<>(t.engine.pulses().stale(key.get().raw)).equals(expected), "U2: the stale agents of " + op);
    }

    // I8: no raw key, code, session token or email in anything the engine asked the store to persist
    List<String> leaked = t.persistedSecrets();
    ensure(leaked.isEmpty(), "I8: persisted in the store: " + leaked);
  }

  List<AuditEvent> allEvents(BeakKey o) {
    List<AuditEvent> all = new ArrayList<>();
    AuditQuery q = AuditQuery.all().limit(AuditQuery.MAX_LIMIT);
    while (true) {
      AuditPage page = t.engine.audit().read(o, q);
      all.addAll(page.events());
      if (page.nextAfterSeq().isEmpty()) {
        return all;
      }
      q = q.after(page.nextAfterSeq().getAsLong());
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
    return "GovernanceModel[t3=" + t3 + ", " + identities.size() + " identities, " + keys.size() + " keys, " + bonds.size()
        + " bonds, " + expectedEvents + " events, " + adversaryAttempts + " adversary attempts]";
  }
}
