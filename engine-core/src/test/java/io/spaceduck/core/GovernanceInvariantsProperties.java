package io.spaceduck.core;

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
import io.spaceduck.api.CertId;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityKind;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;

/**
 * Stateful properties of the governance path: random sequences of hatch, promote, bond, rotate,
 * revoke, replace, bond revocation, clock moves and garbage-key attempts, run against a {@link
 * TestEngine} and a small reference model. The model predicts, from the SPEC rules alone, which calls
 * must succeed and which refusals are acceptable; after every action the invariants I1–I7 are
 * checked against the engine. Failing sequences shrink to a minimal chain.
 *
 * <p>Random choices are raw integers resolved against the world when the action runs (modulo the
 * size of the pool), so a shrunk chain stays runnable; the resolved calls are kept in {@link
 * World#trace} and printed with every failure.
 */
class GovernanceInvariantsProperties {
  private static final int MAX_ACTIONS = 30;

  private final List<World> worlds = new ArrayList<>();

  @AfterTry
  void closeWorlds() {
    worlds.forEach(World::close);
    worlds.clear();
  }

  @Property(tries = 70)
  @Tag("I1")
  @Tag("I2")
  @Tag("I3")
  @Tag("I4")
  @Tag("I5")
  @Tag("I6")
  @Tag("I7")
  @Tag("K2")
  @Tag("K3")
  @Tag("K4")
  @Tag("B3")
  @Label("I1–I7 hold after every governance action (T3_AUTOMATION off)")
  void invariantsHoldAfterEveryAction_t3Off(@ForAll("chainsT3Off") ActionChain<World> chain) {
    chain.withInvariant("I1–I7", World::checkInvariants).run();
  }

  @Property(tries = 30)
  @Tag("I1")
  @Tag("I2")
  @Tag("I3")
  @Tag("I4")
  @Tag("I5")
  @Tag("I6")
  @Label("I1–I6 hold after every governance action (T3_AUTOMATION on)")
  void invariantsHoldAfterEveryAction_t3On(@ForAll("chainsT3On") ActionChain<World> chain) {
    chain.withInvariant("I1–I6", World::checkInvariants).run();
  }

  @Provide
  Arbitrary<ActionChain<World>> chainsT3Off() {
    return chains(false);
  }

  @Provide
  Arbitrary<ActionChain<World>> chainsT3On() {
    return chains(true);
  }

  private ActionChainArbitrary<World> chains(boolean t3) {
    return ActionChain.<World>startWith(
            () -> {
              World w = new World(t3);
              worlds.add(w);
              return w;
            })
        .withAction(3, new HatchAction())
        .withAction(5, new PromoteAction())
        .withAction(5, new BondAction())
        .withAction(4, new KeyAction(KeyOp.ROTATE))
        .withAction(3, new KeyAction(KeyOp.REVOKE))
        .withAction(2, new KeyAction(KeyOp.REPLACE))
        .withAction(3, new RevokeBondAction())
        .withAction(3, new AdvanceClockAction())
        .withAction(1, new GarbageKeyAction())
        .withMaxTransformations(MAX_ACTIONS);
  }

  // ------------------------------------------------------------------ actions

  private static Arbitrary<Integer> pick() {
    return Arbitraries.integers().between(0, 999);
  }

  private static Arbitrary<Tier> tiers() {
    return Arbitraries.of(Tier.class);
  }

  /** One in {@code n}. */
  private static Arbitrary<Boolean> oneIn(int n) {
    return Arbitraries.integers().between(1, n).map(i -> i == 1);
  }

  static final class HatchAction implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.just(Transformer.mutate("hatch", World::hatch));
    }
  }

  static final class PromoteAction implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(pick(), pick(), tiers(), oneIn(5), oneIn(15))
          .as(
              (actor, target, tier, self, unknown) ->
                  Transformer.mutate(
                      "promote(actor#" + actor + ", " + (self ? "self" : unknown ? "unknown" : "target#" + target)
                          + ", " + tier + ")",
                      w -> w.promote(actor, target, tier, self, unknown)));
    }
  }

  static final class BondAction implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(pick(), tiers(), oneIn(10))
          .as(
              (actor, tier, badName) ->
                  Transformer.mutate(
                      "bond(actor#" + actor + ", " + tier + (badName ? ", blank name" : "") + ")",
                      w -> w.bond(actor, tier, badName)));
    }
  }

  enum KeyOp {
    ROTATE,
    REVOKE,
    REPLACE
  }

  static final class KeyAction implements Action.Independent<World> {
    private final KeyOp op;

    KeyAction(KeyOp op) {
      this.op = op;
    }

    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(pick(), pick(), oneIn(4), oneIn(15))
          .as(
              (actor, target, self, unknown) ->
                  Transformer.mutate(
                      op.name().toLowerCase() + "(actor#" + actor + ", "
                          + (self ? "own key" : unknown ? "unknown key" : "key#" + target) + ")",
                      w -> w.keyOp(op, actor, target, self, unknown)));
    }
  }

  static final class RevokeBondAction implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(pick(), pick(), oneIn(15))
          .as(
              (actor, bond, unknown) ->
                  Transformer.mutate(
                      "revokeBond(actor#" + actor + ", " + (unknown ? "unknown bond" : "bond#" + bond) + ")",
                      w -> w.revokeBond(actor, bond, unknown)));
    }
  }

  static final class AdvanceClockAction implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.integers()
          .between(0, 20 * 60)
          .map(s -> Transformer.mutate("advance(" + s + "s)", w -> w.advance(Duration.ofSeconds(s))));
    }
  }

  static final class GarbageKeyAction implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 4), pick())
          .as(
              (form, op, p) ->
                  Transformer.mutate("garbageKey(form " + form + ", op " + op + ", #" + p + ")", w -> w.garbage(form, op, p)));
    }
  }

  // ------------------------------------------------------------------ the model

  /** What a call may end in. */
  enum Outcome {
    SUCCESS,
    UNAUTHENTICATED,
    FORBIDDEN,
    NOT_FOUND,
    CONFLICT,
    INVALID_INPUT
  }

  /**
   * The acceptable outcomes of one call. Success is required when no refusal reason applies. {@code
   * preAuth} are refusals of caller mistakes that may come before authentication.
   */
  record Expect(Set<Outcome> refusals, boolean successAllowed, Set<Outcome> preAuth) {
    Expect(Set<Outcome> refusals, boolean successAllowed) {
      this(refusals, successAllowed, Set.of());
    }

    static Expect of(Set<Outcome> reasons) {
      return new Expect(reasons, reasons.isEmpty());
    }

    /** The caller's key does not authenticate: that refusal comes first (zero trust). */
    Expect unauthenticated() {
      Set<Outcome> r = EnumSet.of(Outcome.UNAUTHENTICATED);
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
    Tier tier;
    CertId currentCert;
    int certs = 1;

    MIdentity(IdentityId id, boolean admin, Optional<DucklingId> operator, Optional<BondId> bond, Tier tier, CertId cert) {
      this.id = id;
      this.admin = admin;
      this.operator = operator;
      this.bond = bond;
      this.tier = tier;
      this.currentCert = cert;
    }

    boolean isDuckling() {
      return id.kind() == IdentityKind.DUCKLING;
    }

    @Override
    public String toString() {
      return (admin ? "admin " : "") + id.kind() + " " + id.value().substring(0, 8) + "… " + tier;
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

  /** The engine under test plus the reference model. */
  static final class World {
    final boolean t3;
    final TestEngine t;
    final Duration grace = Duration.ofMinutes(15);
    final Map<IdentityId, MIdentity> identities = new LinkedHashMap<>();
    final Map<KeyId, MKey> keys = new LinkedHashMap<>();
    final Map<BondId, MBond> bonds = new LinkedHashMap<>();
    final Map<CertId, String> seenCerts = new HashMap<>();
    final List<String> trace = new ArrayList<>();
    long expectedEvents;
    long successes;
    long denials;
    MKey observer; // an admin key never targeted by the chain: it reads and verifies

    World(boolean t3) {
      this.t3 = t3;
      this.t = t3 ? new TestEngine(TestEngine.t3()) : new TestEngine();
      HatchResult admin = t.bootstrap();
      expectedEvents++;
      successes++;
      identities.put(admin.duckling().id(),
          new MIdentity(admin.duckling().id(), true, Optional.empty(), Optional.empty(), Tier.T2, admin.certificate().id()));
      MKey first = addKey(admin.key());
      observer = first; // until the dedicated observer exists
      trace.add("setup: bootstrap admin");
      // a second admin key (rotated away, then replaced) gives the chain admin keys to break while the
      // observer stays usable
      MKey second = keyCall(KeyOp.ROTATE, first, first);
      observer = keyCall(KeyOp.REPLACE, second, first);
      MKey operatorKey = hatch();
      promoteResolved(second, identities.get(operatorKey.owner), Tier.T2, operatorKey.owner);
      hatch();
      checkInvariants();
    }

    void close() {
      t.close();
    }

    Instant now() {
      return t.clock.instant();
    }

    MKey addKey(IssuedKey k) {
      MKey m = new MKey(k);
      keys.put(m.id, m);
      return m;
    }

    boolean usable(MKey k) {
      return !k.revoked
          && k.graceUntil.map(now()::isBefore).orElse(true)
          && k.bond.map(b -> bonds.get(b).active).orElse(true);
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

    // -------------------------------------------------------------- actions

    /** Hatches a T1 duckling; returns its key. */
    MKey hatch() {
      long head = head();
      HatchResult h = t.hatch("Duckling " + (identities.size() + 1));
      AuditEvent e = single(head, AuditAction.HATCH_COMPLETED, AuditOutcome.SUCCESS);
      ensure(e.resource().equals(h.duckling().id().value()), "hatch event names the duckling");
      ensure(h.duckling().tier() == Tier.T1, "a hatched duckling is T1");
      expectedEvents++;
      successes++;
      identities.put(h.duckling().id(),
          new MIdentity(h.duckling().id(), false, Optional.empty(), Optional.empty(), Tier.T1, h.certificate().id()));
      trace.add("hatch -> " + h.duckling().id());
      return addKey(h.key());
    }

    void advance(Duration d) {
      t.clock.advance(d);
      trace.add("advance " + d);
    }

    void promote(int actorPick, int targetPick, Tier tier, boolean self, boolean unknown) {
      MKey actor = actor(actorPick);
      IdentityId targetId;
      if (self) {
        targetId = actor.owner;
      } else if (unknown) {
        targetId = new DucklingId(DucklingId.PREFIX + "zzzzzzzzzzzzzzzzzzzzzzzzzz");
      } else {
        List<MIdentity> ids = new ArrayList<>(identities.values());
        targetId = ids.get(targetPick % ids.size()).id;
      }
      promoteResolved(actor, identities.get(targetId), tier, targetId);
    }

    void promoteResolved(MKey actor, MIdentity target, Tier tier, IdentityId targetId) {
      MIdentity caller = who(actor);
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
      Expect expect = Expect.of(reasons);
      call(
          "promote " + actor + " (" + caller + ") → " + (target == null ? "unknown " + targetId : target) + " to " + tier,
          actor,
          expect,
          AuditAction.TIER_PROMOTED,
          targetId.value(),
          () -> t.engine.identities().promote(actor.raw, targetId, tier),
          (cert, event) -> {
            ensure(event.resource().equals(targetId.value()), "promotion event names the target");
            ensure(!event.actor().equals(event.resource()), "I2: a promotion by the target itself");
            ensure(cert.tier() == tier && cert.subject().equals(targetId), "the new certificate carries the tier");
            ensure(cert.supersedes().equals(Optional.of(target.currentCert)), "C3: the new cert supersedes the current one");
            target.tier = tier;
            target.currentCert = cert.id();
            target.certs++;
          });
    }

    void bond(int actorPick, Tier tier, boolean badName) {
      MKey actor = actor(actorPick);
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
            identities.put(r.agent().id(),
                new MIdentity(r.agent().id(), false, Optional.of((DucklingId) caller.id), Optional.of(b.id), tier,
                    r.certificate().id()));
            addKey(r.key());
          });
    }

    void keyOp(KeyOp op, int actorPick, int targetPick, boolean self, boolean unknown) {
      MKey actor = actor(actorPick);
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

    /** Runs a key operation; returns the new key on success (rotate, replace), else null. */
    MKey keyCall(KeyOp op, MKey actor, MKey target) {
      MIdentity caller = who(actor);
      KeyId targetId = target == null ? new KeyId("zzzzzzzzzzzzzzzz") : target.id;
      Set<Outcome> reasons = EnumSet.noneOf(Outcome.class);
      if (target == null) {
        reasons.add(Outcome.NOT_FOUND);
      } else if (op == KeyOp.REPLACE) {
        if (!caller.admin) {
          reasons.add(Outcome.FORBIDDEN); // K5: admins only
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
        }
        if (op == KeyOp.ROTATE && (target.revoked || target.graceUntil.isPresent())) {
          reasons.add(Outcome.CONFLICT); // only an active key rotates
        }
        if (op == KeyOp.REVOKE && target.revoked) {
          reasons.add(Outcome.CONFLICT);
        }
      }
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
          Expect.of(reasons),
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
                target.graceUntil = Optional.of(now.plus(grace));
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

    void revokeBond(int actorPick, int bondPick, boolean unknown) {
      MKey actor = actor(actorPick);
      MIdentity caller = who(actor);
      List<MBond> all = new ArrayList<>(bonds.values());
      MBond bond = unknown || all.isEmpty() ? null : all.get(bondPick % all.size());
      BondId bondId = bond == null ? new BondId(BondId.PREFIX + "zzzzzzzzzzzzzzzzzzzzzzzzzz") : bond.id;
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
      call(
          "revokeBond by " + actor + " (" + caller + ") of " + bondId,
          actor,
          Expect.of(reasons),
          AuditAction.BOND_REVOKED,
          bondId.value(),
          () -> t.engine.bonds().revoke(actor.raw, bondId, ReasonCode.NO_LONGER_NEEDED),
          (Bond b, AuditEvent event) -> {
            ensure(event.resource().equals(bondId.value()), "bond revocation event names the bond");
            ensure(b.revocation().map(r -> r.by().equals(caller.id)).orElse(false), "B2: records the revoking operator");
            bond.active = false;
            for (MKey k : keys.values()) {
              if (k.bond.equals(Optional.of(bond.id))) {
                k.revoked = true; // K4: revoking a bond revokes all its keys
              }
            }
          });
    }

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
      call("garbage key (form " + form + ", op " + op + ")", null, new Expect(Set.of(Outcome.UNAUTHENTICATED), false),
          null, null, c, (r, e) -> {});
    }

    // -------------------------------------------------------------- the checked call

    @FunctionalInterface
    interface OnSuccess<T> {
      void accept(T result, AuditEvent event);
    }

    /**
     * Runs one call and checks its outcome against {@code expect}, then I4: a success adds exactly one
     * success event by the caller, a {@code Forbidden} exactly one DENIED event and no state change,
     * any other refusal no event and no state change.
     */
    @SuppressWarnings("unchecked")
    <T> void call(
        String description, MKey actor, Expect expect, AuditAction action, String deniedResource, Supplier<T> body,
        OnSuccess<? super T> onSuccess) {
      if (actor != null && !usable(actor)) {
        expect = expect.unauthenticated();
      }
      Map<String, Object> before = snapshot();
      long head = head();
      T result = null;
      Outcome outcome;
      try {
        result = body.get();
        outcome = Outcome.SUCCESS;
      } catch (Unauthenticated e) {
        outcome = Outcome.UNAUTHENTICATED;
      } catch (Forbidden e) {
        outcome = Outcome.FORBIDDEN;
      } catch (NotFound e) {
        outcome = Outcome.NOT_FOUND;
      } catch (Conflict e) {
        outcome = Outcome.CONFLICT;
      } catch (InvalidInput e) {
        outcome = Outcome.INVALID_INPUT;
      }
      trace.add(description + " -> " + outcome);
      ensure(expect.accepts(outcome), "unexpected outcome " + outcome + "; the model accepts " + expect);
      String actorId = actor == null ? null : actor.owner.value();
      switch (outcome) {
        case SUCCESS -> {
          AuditEvent e = single(head, action, AuditOutcome.SUCCESS);
          ensure(e.actor().equals(actorId), "I4: the success event names the caller");
          expectedEvents++;
          successes++;
          onSuccess.accept(result, e);
        }
        case FORBIDDEN -> {
          AuditEvent e = single(head, action, AuditOutcome.DENIED);
          ensure(e.actor().equals(actorId), "A1: the denied event names the caller");
          ensure(deniedResource.equals(e.resource()), "A1: the denied event names the resource");
          expectedEvents++;
          denials++;
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
              t.storage.findBy(Tables.IDENTITIES_BY_OPERATOR, m.id.value()).stream().map(Versioned::value).toList());
          s.put("bonds of " + m.id,
              t.storage.findBy(Tables.BONDS_BY_OPERATOR, m.id.value()).stream().map(Versioned::value).toList());
        }
      }
      for (MBond b : bonds.values()) {
        s.put("bond " + b.id, t.engine.bonds().get(o, b.id));
      }
      return s;
    }

    // -------------------------------------------------------------- invariants

    void checkInvariants() {
      BeakKey o = observer.raw;
      Instant now = now();

      // I5, and I4 over the whole run: one event per success and per denial, nothing else
      AuditVerification v = t.engine.audit().verify(o);
      ensure(v.valid(), "I5: the audit chain does not verify: " + v);
      ensure(v.eventsVerified() == expectedEvents,
          "I4: " + v.eventsVerified() + " audit events for " + expectedEvents + " audited outcomes");
      List<AuditEvent> events = allEvents(o);
      ensure(events.size() == expectedEvents, "A4: the admin reads every event");
      ensure(events.stream().filter(e -> e.outcome() == AuditOutcome.SUCCESS).count() == successes, "I4: success events");
      ensure(events.stream().filter(e -> e.outcome() == AuditOutcome.DENIED).count() == denials, "I4: denied events");
      for (AuditEvent e : events) {
        // I2: no self-promotion, ever
        ensure(!(e.action().equals(AuditAction.TIER_PROMOTED.code())
                && e.outcome() == AuditOutcome.SUCCESS
                && e.actor().equals(e.resource())),
            "I2: self-promotion at seq " + e.seq());
      }

      for (MIdentity m : identities.values()) {
        Identity i = t.engine.identities().get(o, m.id);
        // I1: exactly the explicitly granted tier
        ensure(i.tier() == m.tier, "I1: " + m.id + " holds " + i.tier() + " but was granted " + m.tier);
        ensure(i.isAdmin() == m.admin, "I1: admin role of " + m.id);
        ensure(t3 || i.tier() != Tier.T3, "I7: a T3 identity while T3_AUTOMATION is off");
        if (i instanceof io.spaceduck.api.Agent a) {
          Tier op = t.engine.identities().get(o, a.operator()).tier();
          if (a.tier() == Tier.T3) {
            ensure(t3 && op == Tier.T2, "I1: a T3 agent needs the feature and a T2 operator");
          } else {
            ensure(op.atLeast(a.tier()), "I1: agent " + a.id() + " at " + a.tier() + " above its operator at " + op);
          }
        } else {
          ensure(i instanceof Duckling d && d.tier() != Tier.T0, "a duckling is at least T1");
        }

        // I6: one current certificate, the identity's, at the end of an unbroken supersedes chain
        List<CertificateView> h = t.engine.certificates().history(o, m.id);
        ensure(h.size() == m.certs, "I6/C3: " + m.id + " has " + h.size() + " certificates, expected " + m.certs);
        ensure(h.stream().filter(c -> c.status() == CertStatus.CURRENT).count() == 1, "I6: exactly one CURRENT cert");
        CertificateView last = h.get(h.size() - 1);
        ensure(last.status() == CertStatus.CURRENT && last.certificate().id().equals(i.currentCert())
                && i.currentCert().equals(m.currentCert),
            "I6: the CURRENT cert is the identity's currentCert");
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
        ensure(stored.size() == modelled, "K2: " + m.id + " has " + stored.size() + " keys, the model " + modelled);
        for (KeyInfo info : stored) {
          MKey k = keys.get(info.id());
          ensure(k != null, "an unknown key " + info.id());
          ensure(info.revocation().isPresent() == k.revoked, "K4: revocation state of " + info.id());
          ensure(info.graceUntil().equals(k.graceUntil), "K3: grace of " + info.id());
        }
      }

      // I1, I3, K3, K4: a key authenticates exactly when the model says, as its identity's tier
      for (MKey k : keys.values()) {
        boolean expected = usable(k);
        Principal p;
        try {
          p = t.engine.authenticate(k.raw);
        } catch (Unauthenticated e) {
          ensure(!expected, "key " + k + " should authenticate at " + now);
          continue;
        }
        ensure(expected, "I3: key " + k + " authenticates at " + now + " but must not");
        ensure(p.id().equals(k.owner) && p.keyId().equals(k.id), "K2: a key authenticates its own identity only");
        ensure(p.tier() == identities.get(k.owner).tier, "I1: the key acts at " + p.tier() + ", its identity's tier is "
            + identities.get(k.owner).tier);
        ensure(p.tier() == t.engine.identities().get(o, k.owner).tier(), "I1: principal tier equals the stored tier");
      }
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

    void ensure(boolean condition, String message) {
      if (!condition) {
        throw new AssertionError(message + "\n  calls so far:\n    " + String.join("\n    ", trace));
      }
    }

    @Override
    public String toString() {
      return "World[t3=" + t3 + ", " + identities.size() + " identities, " + keys.size() + " keys, " + bonds.size()
          + " bonds, " + expectedEvents + " events]";
    }
  }
}
