package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.EngineConfig;
import io.spaceduck.api.Feature;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Permission;
import io.spaceduck.api.Policy;
import io.spaceduck.api.Principal;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Role;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.api.Unavailable;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every sub-API shares: the store, keysets, clock, policy and rate limiter, and the two paths
 * every call takes.
 *
 * <ul>
 *   <li>{@link #authenticate} — the hot path (K1, K6, I3): parse, one keyed lookup, a constant-time
 *       MAC comparison, status checks of key, identity and bond; no ECDSA, no scan, no cache, so a
 *       revocation is seen on the very next call by every instance sharing the store.
 *   <li>{@link #govern} — a governance action: authenticate, check the policy, run the action as one
 *       storage unit that also re-checks (compare-and-set) the caller's key, identity and bond, and
 *       appends exactly one audit event (I4). A denied attempt is audited in its own unit (A1);
 *       conflicts re-run the whole action, re-authenticating.
 * </ul>
 *
 * Thread-safe.
 */
final class Core {
  private static final Logger log = LoggerFactory.getLogger(Core.class);
  private static final int MAX_ATTEMPTS = 8;
  private static final HexFormat HEX = HexFormat.of();
  /** Bound of each failed-authentication limiter (per key id, per source): about 20 MB when full. */
  static final int MAX_FAILURE_BUCKETS = 100_000;
  // ids of the shape of real ones that no row has (random ids are base32 of random bytes; these are
  // not what 80 random bits give in practice): the decoy reads of a failed authentication (K6)
  private static final String DECOY_IDENTITY = io.spaceduck.api.AgentId.PREFIX + "2".repeat(26);
  private static final String DECOY_BOND = io.spaceduck.api.BondId.PREFIX + "2".repeat(26);

  final EngineConfig config;
  final Storage storage;
  final EngineKeysets keysets;
  final Randoms randoms;
  final RateLimiter rateLimiter;
  // failed authentications per key id and per caller source (K6, R1): their own limiters, so that a
  // spray of random key ids cannot evict the per-identity buckets of the one above
  final RateLimiter failuresByKeyId;
  final RateLimiter failuresBySource;
  private final RateLimits.Bucket failureKeyIdBucket;
  private final RateLimits.Bucket failureSourceBucket;
  // an identity id some key row named: the one row a failed authentication with an unknown key id
  // reads (see authenticateNoCharge); written once, racy but any value will do
  private volatile String knownIdentity = DECOY_IDENTITY;
  final Clock clock;
  final Policy policy;
  final String version;
  final PeckDispatcher dispatcher;
  // the per-tier rate-limit buckets indexed by ordinal: read on every call (R1)
  private final RateLimits.Bucket[] tierBuckets;

  Core(EngineConfig config, Storage storage, EngineKeysets keysets) {
    this.config = config;
    this.storage = storage;
    this.keysets = keysets;
    this.randoms = new Randoms(config.random());
    this.clock = config.clock();
    this.rateLimiter = new RateLimiter(clock);
    this.failuresByKeyId = new RateLimiter(clock, MAX_FAILURE_BUCKETS);
    this.failuresBySource = new RateLimiter(clock, MAX_FAILURE_BUCKETS);
    this.failureKeyIdBucket = config.rateLimits().authFailuresPerKeyId();
    this.failureSourceBucket = config.rateLimits().authFailuresPerSource();
    this.tierBuckets = new RateLimits.Bucket[Tier.values().length];
    for (Tier t : Tier.values()) {
      tierBuckets[t.ordinal()] = config.rateLimits().perTier().get(t);
    }
    this.policy = config.policy();
    this.version = EngineVersion.get();
    this.dispatcher = new PeckDispatcher(config.peckNotifier());
  }

  Instant now() {
    return clock.instant();
  }

  // ---------------------------------------------------------------- authentication

  /** An authenticated call: the principal and the records it was derived from, at their versions. */
  record Auth(Principal principal, Identity identity, Versioned<KeyRecord> key, Versioned<Identity> identityRow,
      Optional<Versioned<Bond>> bond) {
    boolean blocked() {
      return identity.status() == IdentityStatus.BLOCKED;
    }
  }

  /** Authenticates and charges the caller's rate limit (R1); a blocked identity is refused. */
  Auth authenticate(BeakKey key) {
    Auth a = authenticateAllowingBlocked(key);
    if (a.blocked()) {
      throw new Forbidden("blocked"); // the caller proved the key; it learns only that it is blocked
    }
    return a;
  }

  /** As {@link #authenticate}, but returns a blocked identity (so governance can audit its denial). */
  private Auth authenticateAllowingBlocked(BeakKey key) {
    Instant now = now(); // one clock read serves the key's validity and the rate-limit charges
    Auth a = authenticateLimitingFailures(key, now);
    // keyed by the id string itself: identity ids ("dk_…", "ag_…") never collide with "hatch:…" keys
    rateLimiter.acquire(a.principal().id().value(), tierBuckets[a.principal().tier().ordinal()], now);
    return a;
  }

  /**
   * Failed authentications are limited per key id and per caller source (K6, R1): while either
   * bucket is empty the attempt is refused before any key is looked at — the right key too, or the
   * guesser would learn which guess was right — and each failure charges both. Unknown and known key
   * ids are charged alike and refused alike, so neither the refusal nor its retry-after says whether
   * a key id exists. A success charges nothing here.
   */
  private Auth authenticateLimitingFailures(BeakKey key, Instant now) {
    Objects.requireNonNull(key, "key");
    String raw = key.reveal();
    // the id of a well-formed key only: anything else costs no store read and has no id to limit
    String keyId = BeakKeyFormat.macBodyShapeOk(raw) ? BeakKeyFormat.keyIdOf(raw) : null;
    String source = key.source().orElse(null);
    long wait = 0;
    if (keyId != null) {
      wait = failuresByKeyId.waitNanos(keyId, failureKeyIdBucket, now);
    }
    if (source != null) {
      wait = Math.max(wait, failuresBySource.waitNanos(source, failureSourceBucket, now));
    }
    if (wait > 0) {
      throw new RateLimited(java.time.Duration.ofNanos(wait));
    }
    try {
      return authenticateNoCharge(key, true, now);
    } catch (Unauthenticated u) {
      if (keyId != null) {
        failuresByKeyId.charge(keyId, failureKeyIdBucket, now);
      }
      if (source != null) {
        failuresBySource.charge(source, failureSourceBucket, now);
      }
      throw u;
    }
  }

  /**
   * The per-call check (K1, K6, I3): key, identity and bond are read from the store on every call and
   * nothing derived from them is kept, so a revocation through any instance sharing the store fails
   * the very next call.
   *
   * <p>Every failure of a well-formed key costs the same store work (K6): three keyed reads, of the
   * keys, identities and bonds tables, in that order — the real rows as far as the check got, decoy
   * ids of the same shape for the rest. Where the caller did not prove the secret (unknown key id, or
   * a wrong secret), exactly one of the three reads finds a row: the key row for a known id, else an
   * identity row some earlier key named. So on a store with a network round trip per read the
   * existence of a key id shows neither in the number of reads nor in their hits and misses.
   */
  private Auth authenticateNoCharge(BeakKey key, boolean allowBlocked, Instant now) {
    Objects.requireNonNull(key, "key");
    String raw = key.reveal();
    byte[] body = BeakKeyFormat.macBodyOf(raw);
    if (body == null) {
      throw new Unauthenticated();
    }
    Optional<Versioned<KeyRecord>> row = read(Tables.KEYS, BeakKeyFormat.keyIdOf(raw));
    // an unknown id costs the same MAC work and fails the same way: timing and error say nothing
    // about existence (K6); the comparison is constant-time
    byte[] stored = row.isPresent() ? row.get().value().mac().toByteArray() : null;
    if (!keysets.beakKeyMac().verify(stored, BeakKeyFormat.MAC_DOMAIN, body, BeakKeyFormat.BODY_FROM)
        || row.isEmpty()) {
      if (row.isPresent()) {
        knownIdentity = row.get().value().info().owner().value();
        throw decoyReads(DECOY_IDENTITY); // the key row was the hit: two misses follow
      }
      throw decoyReads(knownIdentity); // the key read missed: an identity row is the one hit
    }
    KeyInfo info = row.get().value().info();
    if (!info.usableAt(now)) {
      throw decoyReads(DECOY_IDENTITY);
    }
    Optional<Versioned<Identity>> identityRow = read(Tables.IDENTITIES, info.owner().value());
    if (identityRow.isEmpty()) {
      throw decoyRead();
    }
    Versioned<Identity> identity = identityRow.get();
    if (knownIdentity == DECOY_IDENTITY) {
      knownIdentity = info.owner().value(); // once: a row that exists, for the decoy reads above
    }
    IdentityStatus status = identity.value().status();
    if (status == IdentityStatus.BLOCKED && !allowBlocked) {
      throw new Forbidden("blocked"); // the caller proved the key; it learns only that it is blocked
    }
    if (status != IdentityStatus.ACTIVE && status != IdentityStatus.BLOCKED) {
      throw decoyRead();
    }
    Identity id = identity.value();
    if (id instanceof Agent agent) {
      Versioned<Bond> b = read(Tables.BONDS, agent.bond().value()).orElseThrow(Unauthenticated::new);
      if (b.value().status() != BondStatus.ACTIVE
          || !b.value().agent().equals(agent.id())
          || !info.bond().equals(Optional.of(agent.bond()))) {
        throw new Unauthenticated();
      }
      Principal p =
          new Principal(id.id(), id.tier(), Set.of(), info.id(), Optional.of(agent.operator()), Optional.of(b.value().id()));
      return new Auth(p, id, row.get(), identity, Optional.of(b));
    }
    Set<Role> roles = id instanceof Duckling d ? d.roles() : Set.of();
    Principal p = new Principal(id.id(), id.tier(), roles, info.id(), Optional.empty(), Optional.empty());
    return new Auth(p, id, row.get(), identity, Optional.empty());
  }

  /** The identity and bond reads a failure skipped (K6, see above); returns the refusal to throw. */
  private Unauthenticated decoyReads(String identity) {
    read(Tables.IDENTITIES, identity);
    return decoyRead();
  }

  /** The bond read a failure skipped; returns the refusal to throw. */
  private Unauthenticated decoyRead() {
    read(Tables.BONDS, DECOY_BOND);
    return new Unauthenticated();
  }

  /** A keyed store read that fails closed; the hot path's form of {@link #guard}, without a lambda. */
  private <V> Optional<Versioned<V>> read(Table<V> table, String key) {
    try {
      return storage.get(table, key);
    } catch (StorageConflictException e) {
      throw e;
    } catch (StorageException e) {
      throw unavailable(e);
    }
  }

  // ---------------------------------------------------------------- governance

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
      java.util.EnumSet.of(AuditAction.PECK_REQUESTED, AuditAction.PECK_ACCEPTED, AuditAction.PECK_DECLINED,
          AuditAction.PECK_CLOSED);

  /** Thrown inside a governance unit to refuse it; the engine then audits the denial (A1). */
  static final class Denied extends RuntimeException {
    final String resource;
    final Optional<String> scope;

    Denied(String message, String resource, Optional<String> scope) {
      super(message, null, false, false);
      this.resource = resource;
      this.scope = scope;
    }
  }

  /** The context of one attempt of a governance action. */
  final class Ctx {
    final Auth auth;
    final Transaction tx;
    final Instant now;
    private final AuditAction action;
    private int audited;
    final List<Peck> notify = new ArrayList<>();

    Ctx(Auth auth, Transaction tx, Instant now, AuditAction action) {
      this.auth = auth;
      this.tx = tx;
      this.now = now;
      this.action = action;
    }

    Principal caller() {
      return auth.principal();
    }

    /** Records the action's one audit event (I4). */
    void audit(String resource, Optional<String> scope, ReasonCode reason, Map<String, String> details) {
      if (audited++ > 0) {
        throw new IllegalStateException("one governance action, one audit event");
      }
      tx.appendAudit(
          AuditDraft.of(action.code(), caller().id().value(), resource, scope, now, version, reason,
              AuditOutcome.SUCCESS, details));
    }

    /** Refuses unless the caller holds {@code permission} (the denial is audited). */
    void require(Permission permission, String resource, Optional<String> scope) {
      if (!policy.allows(permission, caller())) {
        throw deny("not permitted by policy", resource, scope);
      }
    }

    /** Refuses the action; the denial is audited. */
    Denied deny(String message, String resource, Optional<String> scope) {
      return new Denied(message, resource, scope);
    }
  }

  private record Committed<T>(T value, List<Peck> transitions) {}

  /** A governance action's body. */
  @FunctionalInterface
  interface Body<T> {
    T run(Ctx ctx);
  }

  /**
   * Runs a governance action (see the class comment).
   *
   * @param resource the resource named in a denial event when the policy refuses up front
   */
  <T> T govern(BeakKey key, Permission permission, AuditAction action, String resource, Body<T> body) {
    return govern(key, Optional.of(permission), action, resource, body);
  }

  /** As above; with no up-front permission the body checks with {@link Ctx#require}. */
  <T> T govern(BeakKey key, Optional<Permission> permission, AuditAction action, String resource, Body<T> body) {
    Auth auth = authenticateAllowingBlocked(key);
    for (int attempt = 1; ; attempt++) {
      if (auth.blocked()) {
        throw auditDenied(auth, action, resource, Optional.empty(), "blocked"); // A1: audited like any denial
      }
      Instant now = now();
      // K3: a key in its rotation grace keeps a deployed client working, no more. The unit re-checks
      // the key row, so a rotation that lands meanwhile re-runs this check
      if (!GRACE_MAY.contains(action) && auth.key().value().info().statusAt(now) != KeyStatus.ACTIVE) {
        throw auditDenied(auth, action, resource, Optional.empty(), "a key in its rotation grace cannot govern");
      }
      if (permission.isPresent() && !policy.allows(permission.get(), auth.principal())) {
        throw auditDenied(auth, action, resource, Optional.empty(), "not permitted by policy");
      }
      Auth current = auth;
      try {
        Committed<T> result =
            storage.execute(
                tx -> {
                  tx.check(Tables.KEYS, current.key());
                  tx.check(Tables.IDENTITIES, current.identityRow());
                  current.bond().ifPresent(b -> tx.check(Tables.BONDS, b));
                  Ctx ctx = new Ctx(current, tx, now, action);
                  T r = body.run(ctx);
                  if (ctx.audited != 1) {
                    throw new IllegalStateException("governance action " + action + " did not audit");
                  }
                  return new Committed<>(r, List.copyOf(ctx.notify));
                });
        dispatcher.dispatch(result.transitions()); // after commit, never inside the transaction (P3)
        return result.value();
      } catch (Denied d) {
        throw auditDenied(current, action, d.resource, d.scope, d.getMessage());
      } catch (StorageConflictException c) {
        if (attempt >= MAX_ATTEMPTS) {
          throw new Conflict("concurrent changes; nothing was applied, retry");
        }
        auth = authenticateNoCharge(key, true, now()); // the conflict may be our own key's revocation (I3)
      } catch (StorageException e) {
        throw unavailable(e);
      }
    }
  }

  /** Audits a denied governance attempt in its own unit (A1) and returns the refusal to throw. */
  Forbidden auditDenied(Auth auth, AuditAction action, String resource, Optional<String> scope, String message) {
    Instant now = now();
    try {
      storage.execute(
          tx -> {
            tx.appendAudit(
                AuditDraft.of(action.code(), auth.principal().id().value(), resource, scope, now, version,
                    ReasonCode.NOT_PERMITTED, AuditOutcome.DENIED, Map.of()));
            return null;
          });
    } catch (StorageException e) {
      throw unavailable(e);
    }
    return new Forbidden(message);
  }

  /** An authenticated read: authenticate, check a non-governance permission, read. */
  <T> T read(BeakKey key, Permission permission, java.util.function.Function<Auth, T> reader) {
    Auth auth = authenticate(key);
    if (!policy.allows(permission, auth.principal())) {
      throw new Forbidden("not permitted by policy");
    }
    return guard(() -> reader.apply(auth));
  }

  /** Runs a store call, failing closed on store errors; conflicts pass through for a retry. */
  <T> T guard(Supplier<T> read) {
    try {
      return read.get();
    } catch (StorageConflictException e) {
      throw e;
    } catch (StorageException e) {
      throw unavailable(e);
    }
  }

  Unavailable unavailable(StorageException e) {
    log.error("store failure in {}: {}", storage.describe(), e.toString());
    if (e instanceof StorageOutcomeUnknownException) {
      return new Unavailable("the store failed; whether the action was applied is unknown", e, true);
    }
    return new Unavailable("the store failed; nothing was applied", e);
  }

  // ---------------------------------------------------------------- shared pieces

  /** Whether {@code caller} governs {@code target} (B3): itself, an admin, or the agent's operator. */
  boolean governs(Principal caller, Identity target) {
    return caller.isAdmin() || (target instanceof Agent a && a.operator().equals(caller.id()));
  }

  /** The operator whose governance an event about {@code subject} belongs to (A4). */
  static Optional<String> scopeOf(Identity subject) {
    return Optional.of(subject instanceof Agent a ? a.operator().value() : subject.id().value());
  }

  /**
   * Closes every open peck of {@code agent} inside {@code tx} (the cascade of a revoked bond or key, a
   * block or a deletion); the closed pecks are notified after commit. Returns their ids.
   */
  List<String> closeOpenPecks(Ctx ctx, IdentityId agent, ReasonCode reason) {
    return closeOpenPecks(ctx, agent, reason, p -> true);
  }

  /** As above, for the open pecks of {@code agent} that {@code which} selects. */
  List<String> closeOpenPecks(Ctx ctx, IdentityId agent, ReasonCode reason, java.util.function.Predicate<Peck> which) {
    List<String> closed = new ArrayList<>();
    for (io.spaceduck.storage.Index<Peck> index : List.of(Tables.PECKS_BY_REQUESTER, Tables.PECKS_BY_TARGET)) {
      for (Versioned<Peck> row : ctx.tx.findBy(index, agent.value())) {
        Peck p = row.value();
        if (!p.state().isFinal() && which.test(p) && !closed.contains(p.id().value())) {
          Peck done = p.ended(PeckState.CLOSED, ctx.caller().id().value(), reason, Optional.empty());
          ctx.tx.update(Tables.PECKS, row, done);
          ctx.notify.add(done);
          closed.add(p.id().value());
        }
      }
    }
    return closed;
  }

  /** Audit details naming cascaded pecks: their count and (up to 1 KiB of) their ids. */
  static Map<String, String> cascadeDetails(List<String> closedPecks) {
    if (closedPecks.isEmpty()) {
      return Map.of();
    }
    StringBuilder ids = new StringBuilder();
    for (String id : closedPecks) {
      if (ids.length() + id.length() + 1 > 1000) {
        ids.append(",…");
        break;
      }
      ids.append(ids.length() == 0 ? "" : ",").append(id);
    }
    return Map.of("pecks_closed", Integer.toString(closedPecks.size()), "peck_ids", ids.toString());
  }

  /** Signs and stores a certificate (C1–C3). Refuses T3 while the feature is off (I7). */
  BirthCertificate issueCertificate(
      Transaction tx, CertId id, IdentityId subject, String name, Tier tier, Optional<DucklingId> operator,
      Optional<CertId> supersedes, Instant now) {
    if (tier == Tier.T3 && !config.enabled(Feature.T3_AUTOMATION)) {
      throw new Forbidden("T3 is disabled (feature T3_AUTOMATION is off)");
    }
    try {
      BirthCertificate cert =
          CertificateTokens.sign(keysets.signingIn(tx).signer(), id, subject, name, tier, now, version, operator, supersedes);
      tx.insert(Tables.CERTIFICATES, cert);
      return cert;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("certificate signing failed", e);
    }
  }

  /** Generates, hashes and stores a key; the raw key exists only in the returned value (K1, I8). */
  IssuedKey issueKey(Transaction tx, IdentityId owner, Optional<BondId> bond, Instant now) {
    KeyId id = randoms.keyId();
    String secret = randoms.keySecret();
    KeyInfo info = new KeyInfo(id, owner, bond, now, Optional.empty(), Optional.empty());
    tx.insert(Tables.KEYS, new KeyRecord(info, Bytes.wrap(mac(BeakKeyFormat.macInput(id, secret)))));
    return new IssuedKey(info, BeakKeyFormat.format(id, secret));
  }

  byte[] mac(byte[] data) {
    try {
      return keysets.mac().computeMac(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("MAC failed", e);
    }
  }

  /** The keyed blind index of a normalised email (H4): lookup without storing the address. */
  String blindIndex(String normalisedEmail) {
    return HEX.formatHex(mac(("email/v1|" + normalisedEmail).getBytes(StandardCharsets.UTF_8)));
  }

  byte[] encrypt(String plaintext, String context) {
    try {
      return keysets.pii().encrypt(plaintext.getBytes(StandardCharsets.UTF_8), context.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("encryption failed", e);
    }
  }

  String decrypt(Bytes ciphertext, String context) {
    try {
      return new String(
          keysets.pii().decrypt(ciphertext.toByteArray(), context.getBytes(StandardCharsets.UTF_8)),
          StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("decryption failed", e);
    }
  }
}
