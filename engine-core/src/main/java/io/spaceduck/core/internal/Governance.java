package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.Peck;
import io.spaceduck.api.Permission;
import io.spaceduck.api.Policy;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The frame of every governance action (I4, A1, A4, B3, K3 grace, §0 "fail closed"): authenticate,
 * check the policy, run the action as one storage unit that also re-checks (compare-and-set) the
 * caller's key, identity and bond, and append exactly one audit event (I4). A denied attempt is
 * audited in its own unit (A1); conflicts re-run the whole action, re-authenticating (I3). Also the
 * frame of an authenticated read, and of the units the engine runs with no caller (P7 expiry, P4
 * approval by a standing rule).
 *
 * <p>Actions that write one row for the engine's own bookkeeping — every bond of an operator writes its
 * {@link BondFence} — would conflict with each other, and eight threads bonding for one operator would
 * exhaust the retries. They run with {@link #governSerialized}: within this engine each attempt holds
 * the row owner's lock around its unit, so they commit one after another instead. Engines sharing the
 * store still conflict on the row and re-run as any conflicting units do.
 *
 * <p>Thread-safe.
 */
final class Governance {
  private static final int MAX_ATTEMPTS = 8;

  /**
   * Stripes of the locks of {@link #governSerialized}: two identities share one with probability
   * 1/1024 (a power of two: the index masks a hash), which only serializes their bonds. No deadlock:
   * an attempt holds at most one of these locks, and takes it before its unit, never inside. Fair, so
   * a deletion waits behind the bonds already queued for its operator, not behind every bond that
   * arrives after it.
   */
  private static final int SERIAL_STRIPES = 1024;

  /**
   * The governance actions a key in its rotation grace (K3) may still take: an agent's own part in the
   * Peck Protocol (request, accept, decline, close), which a client deployed with the old key keeps
   * doing until it switches. Everything else — rotating, revoking, replacing or minting keys (a bond
   * mints one), bonds, tiers, blocks, deletion, standing rules, signing keys, peck decisions — needs
   * an ACTIVE key: otherwise whoever stole a key could, within the grace after the owner rotated it
   * away, rotate or revoke the owner's new key, or bond an agent whose key outlives the grace (K2: a
   * key cannot outlast its own retirement). An allow-list, so a new action needs an active key too.
   */
  private static final Set<AuditAction> GRACE_MAY =
      EnumSet.of(AuditAction.PECK_REQUESTED, AuditAction.PECK_ACCEPTED, AuditAction.PECK_DECLINED,
          AuditAction.PECK_CLOSED);

  private final Authenticator authenticator;
  private final Storage storage;
  private final FailClosed store;
  private final Policy policy;
  private final Clock clock;
  private final String version;
  private final PeckDispatcher dispatcher;
  private final Lock[] serial = new Lock[SERIAL_STRIPES];

  Governance(Authenticator authenticator, Storage storage, FailClosed store, Policy policy, Clock clock, String version,
      PeckDispatcher dispatcher) {
    this.authenticator = authenticator;
    this.storage = storage;
    this.store = store;
    this.policy = policy;
    this.clock = clock;
    this.version = version;
    this.dispatcher = dispatcher;
    for (int i = 0; i < SERIAL_STRIPES; i++) {
      serial[i] = new ReentrantLock(true);
    }
  }

  /** The lock of {@link #governSerialized} for {@code id}. */
  private Lock serialLock(IdentityId id) {
    int h = id.value().hashCode();
    return serial[(h ^ (h >>> 16)) & (SERIAL_STRIPES - 1)];
  }

  /** Thrown inside a governance unit to refuse it; the engine then audits the denial (A1). */
  static final class Denied extends RuntimeException {
    final String resource;
    final Optional<String> scope;

    Denied(String why, String resource, Optional<String> scope) {
      super(why, null, false, false);
      this.resource = resource;
      this.scope = scope;
    }
  }

  /**
   * One storage unit that changes state: its transaction, its time, the pecks to notify after commit
   * (P3), and its one audit event (I4) under the unit's actor.
   */
  abstract class Unit {
    final Transaction tx;
    final Instant now;
    final List<Peck> notify = new ArrayList<>();
    private final AuditAction action;
    private int audited;

    private Unit(Transaction tx, Instant now, AuditAction action) {
      this.tx = tx;
      this.now = now;
      this.action = action;
    }

    /** Who the unit's audit event names. */
    abstract String actor();

    /** Records the action's one audit event (I4). */
    void audit(String resource, Optional<String> scope, ReasonCode reason, Map<String, String> details) {
      if (audited++ > 0) {
        throw new IllegalStateException("one governance action, one audit event");
      }
      tx.appendAudit(
          AuditDraft.of(action.code(), actor(), resource, scope, now, version, reason, AuditOutcome.SUCCESS, details));
    }

    /** Whether the unit appended its one audit event. */
    boolean audited() {
      return audited == 1;
    }
  }

  /** The unit of one attempt of a caller's governance action. */
  final class Ctx extends Unit {
    final Authenticator.Auth auth;

    private Ctx(Authenticator.Auth auth, Transaction tx, Instant now, AuditAction action) {
      super(tx, now, action);
      this.auth = auth;
    }

    Principal caller() {
      return auth.principal();
    }

    @Override
    String actor() {
      return caller().id().value();
    }

    /** Refuses unless the caller holds {@code permission} (the denial is audited). */
    void require(Permission permission, String resource, Optional<String> scope) {
      if (!policy.allows(permission, caller())) {
        throw deny("not permitted by policy", resource, scope);
      }
    }

    /** Refuses the action; the denial is audited. */
    Denied deny(String why, String resource, Optional<String> scope) {
      return new Denied(why, resource, scope);
    }
  }

  /**
   * A unit the engine runs with no caller: its event names the engine ({@link AuditEvent#SYSTEM_ACTOR})
   * unless the unit acts for an operator (a standing rule, P4).
   */
  final class EngineUnit extends Unit {
    private String actor = AuditEvent.SYSTEM_ACTOR;

    private EngineUnit(Transaction tx, Instant now, AuditAction action) {
      super(tx, now, action);
    }

    @Override
    String actor() {
      return actor;
    }

    /** From here on the unit acts for {@code operator}: its audit event names the operator. */
    EngineUnit actingFor(DucklingId operator) {
      this.actor = operator.value();
      return this;
    }
  }

  private record Committed<T>(T value, List<Peck> transitions) {}

  /** A governance action's body. */
  @FunctionalInterface
  interface Body<T> {
    T run(Ctx ctx);
  }

  /**
   * Runs a governance action (see the class comment) whose {@code permission} is checked up front.
   *
   * @param resource the resource named in a denial event when the policy refuses up front
   */
  <T> T govern(BeakKey key, Permission permission, AuditAction action, String resource, Body<T> body) {
    return run(key, permission, action, resource, null, body);
  }

  /** As above for an action whose body checks permissions itself, with {@link Ctx#require}. */
  <T> T govern(BeakKey key, AuditAction action, String resource, Body<T> body) {
    return run(key, null, action, resource, null, body);
  }

  /**
   * As {@link #govern(BeakKey, AuditAction, String, Body)}, for an action whose unit writes a row that
   * every action of its kind for one identity writes (a {@link BondFence}): each attempt holds the lock
   * of the identity {@code on} names (given the authenticated caller) from its checks to its commit, so
   * within this engine those actions run one after another instead of conflicting.
   */
  <T> T governSerialized(BeakKey key, AuditAction action, String resource, Function<Principal, IdentityId> on,
      Body<T> body) {
    return run(key, null, action, resource, on, body);
  }

  private <T> T run(BeakKey key, @Nullable Permission permission, AuditAction action, String resource,
      @Nullable Function<Principal, IdentityId> serializeOn, Body<T> body) {
    Authenticator.Auth auth = authenticator.authenticateAllowingBlocked(key);
    for (int attempt = 1; ; attempt++) {
      @Nullable Lock lock = serializeOn == null ? null : serialLock(serializeOn.apply(auth.principal()));
      if (lock != null) {
        lock.lock();
      }
      try {
        if (auth.blocked()) {
          throw auditDenied(auth, action, "blocked", resource, Optional.empty()); // A1: audited like any denial
        }
        Instant now = clock.instant();
        // K3: a key in its rotation grace keeps a deployed client working, no more. The unit re-checks
        // the key row, so a rotation that lands meanwhile re-runs this check
        if (!GRACE_MAY.contains(action) && auth.key().value().info().statusAt(now) != KeyStatus.ACTIVE) {
          throw auditDenied(auth, action, "a key in its rotation grace cannot govern", resource, Optional.empty());
        }
        if (permission != null && !policy.allows(permission, auth.principal())) {
          throw auditDenied(auth, action, "not permitted by policy", resource, Optional.empty());
        }
        Authenticator.Auth current = auth;
        try {
          Committed<T> result =
              storage.execute(
                  tx -> {
                    tx.check(Tables.KEYS, current.key());
                    tx.check(Tables.IDENTITIES, current.identityRow());
                    current.bond().ifPresent(b -> tx.check(Tables.BONDS, b));
                    Ctx ctx = new Ctx(current, tx, now, action);
                    T r = body.run(ctx);
                    if (!ctx.audited()) {
                      throw new IllegalStateException("governance action " + action + " did not audit");
                    }
                    return new Committed<>(r, List.copyOf(ctx.notify));
                  });
          dispatcher.dispatch(result.transitions()); // after commit, never inside the transaction (P3)
          return result.value();
        } catch (Denied d) {
          throw auditDenied(current, action, d.getMessage(), d.resource, d.scope);
        } catch (StorageConflictException c) {
          if (attempt >= MAX_ATTEMPTS) {
            throw new Conflict("concurrent changes; nothing was applied, retry");
          }
          // the conflict may be our own key's revocation (I3)
          auth = authenticator.authenticateNoCharge(key, clock.instant());
        } catch (StorageException e) {
          throw store.unavailable(e);
        }
      } finally {
        if (lock != null) {
          lock.unlock();
        }
      }
    }
  }

  /**
   * Runs a unit the engine starts itself, with no caller to authenticate (P7 expiry, P4 approval by a
   * standing rule): one storage unit with its audit event; the pecks it changed are notified after
   * commit. A conflict means a concurrent transition won: exactly one of them is applied and audited,
   * and this one returns empty.
   */
  <T> Optional<T> runAsEngine(AuditAction action, Instant now, Function<EngineUnit, Optional<T>> body) {
    try {
      Committed<Optional<T>> result =
          storage.execute(
              tx -> {
                EngineUnit unit = new EngineUnit(tx, now, action);
                Optional<T> r = body.apply(unit);
                return new Committed<>(r, List.copyOf(unit.notify));
              });
      dispatcher.dispatch(result.transitions());
      return result.value();
    } catch (StorageConflictException raced) {
      return Optional.empty();
    } catch (StorageException e) {
      throw store.unavailable(e);
    }
  }

  /** Audits a denied governance attempt in its own unit (A1) and returns the refusal to throw. */
  Forbidden auditDenied(Authenticator.Auth auth, AuditAction action, String why, String resource, Optional<String> scope) {
    Instant now = clock.instant();
    try {
      storage.execute(
          tx -> {
            tx.appendAudit(
                AuditDraft.of(action.code(), auth.principal().id().value(), resource, scope, now, version,
                    ReasonCode.NOT_PERMITTED, AuditOutcome.DENIED, Map.of()));
            return null;
          });
    } catch (StorageException e) {
      throw store.unavailable(e);
    }
    return new Forbidden(why);
  }

  /** An authenticated read: authenticate, check a non-governance permission, read (failing closed). */
  <T> T read(BeakKey key, Permission permission, Function<Authenticator.Auth, T> reader) {
    Authenticator.Auth auth = authenticator.authenticate(key);
    if (!policy.allows(permission, auth.principal())) {
      throw new Forbidden("not permitted by policy");
    }
    return store.guard(() -> reader.apply(auth));
  }

  /** Whether {@code caller} governs {@code target} (B3): an admin, or the agent's operator. */
  static boolean governs(Principal caller, Identity target) {
    return caller.isAdmin() || (target instanceof Agent a && a.operator().equals(caller.id()));
  }

  /** The operator whose governance an event about {@code subject} belongs to (A4). */
  static Optional<String> scopeOf(Identity subject) {
    return Optional.of(subject instanceof Agent a ? a.operator().value() : subject.id().value());
  }
}
