package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Principal;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.Role;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.AuthenticationRows;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Versioned;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Authentication, the hot path every call takes (K1, K2, K6, I3, R1): parse, one keyed lookup, a
 * constant-time MAC comparison, status checks of key, identity and bond; no ECDSA, no scan, no cache,
 * so a revocation is seen on the very next call by every instance sharing the store. It also charges
 * the caller's per-tier rate limit (R1) and limits failed attempts per key id and per source (K6).
 *
 * <p>Thread-safe.
 */
final class Authenticator {
  /** Bound of each failed-authentication limiter (per key id, per source): about 20 MB when full. */
  static final int MAX_FAILURE_BUCKETS = 100_000;
  // ids of the shape of real ones that no row has (random ids are base32 of random bytes; these are
  // not what 80 random bits give in practice): the decoys of the authentication lookup (K6)
  private static final String DECOY_IDENTITY = io.spaceduck.api.AgentId.PREFIX + "2".repeat(26);
  private static final String DECOY_BOND = io.spaceduck.api.BondId.PREFIX + "2".repeat(26);

  private final FailClosed store;
  private final EngineKeysets keysets;
  private final Clock clock;
  private final RateLimiter rateLimiter;
  // failed authentications per key id and per caller source (K6, R1): their own limiters, so that a
  // spray of random key ids cannot evict the per-identity buckets of the one above
  private final RateLimiter failuresByKeyId;
  private final RateLimiter failuresBySource;
  private final RateLimits.Bucket failureKeyIdBucket;
  private final RateLimits.Bucket failureSourceBucket;
  // the per-tier rate-limit buckets indexed by ordinal: read on every call (R1)
  private final RateLimits.Bucket[] tierBuckets;
  // an identity id some key row named: the identity row the lookup of an unknown key id reads (see
  // authenticateNoCharge); racy, but any value will do
  private volatile String knownIdentity = DECOY_IDENTITY;

  Authenticator(FailClosed store, EngineKeysets keysets, Clock clock, RateLimiter rateLimiter, RateLimits limits) {
    this.store = store;
    this.keysets = keysets;
    this.clock = clock;
    this.rateLimiter = rateLimiter;
    this.failuresByKeyId = new RateLimiter(clock, MAX_FAILURE_BUCKETS);
    this.failuresBySource = new RateLimiter(clock, MAX_FAILURE_BUCKETS);
    this.failureKeyIdBucket = limits.authFailuresPerKeyId();
    this.failureSourceBucket = limits.authFailuresPerSource();
    this.tierBuckets = new RateLimits.Bucket[Tier.values().length];
    for (Tier t : Tier.values()) {
      tierBuckets[t.ordinal()] = limits.perTier().get(t);
    }
  }

  /** An authenticated call: the principal and the records it was derived from, at their versions. */
  record Auth(Principal principal, Versioned<KeyRecord> key, Versioned<Identity> identityRow,
      Optional<Versioned<Bond>> bond) {
    Identity identity() {
      return identityRow.value();
    }

    boolean blocked() {
      return identity().status() == IdentityStatus.BLOCKED;
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
  Auth authenticateAllowingBlocked(BeakKey key) {
    Instant now = clock.instant(); // one clock read serves the key's validity and the rate-limit charges
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
      return authenticateNoCharge(key, now);
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
   * The per-call check (K1, K6, I3), charging no limiter: key, identity and bond are read from the
   * store on every call ({@link io.spaceduck.storage.Storage#authenticationRows}: one round trip on the
   * JDBC store) and nothing derived from them is kept, so a revocation through any instance sharing the
   * store fails the very next call. A blocked identity is returned (see {@link Auth#blocked}): {@link
   * #authenticate} refuses it, governance audits its denial.
   *
   * <p>Every well-formed key costs the same store work (K6): one lookup of a fixed shape — the key row,
   * the identity row its owner names and the bond row that identity names — made before the secret is
   * checked, with decoy ids where the chain breaks: an unknown key id reads an identity row some earlier
   * key named (and that identity's bond), so a guess reads rows that exist whether the key id exists or
   * not. Rows that are not the key's own (decoys, or a row whose id does not match) are never used. A
   * malformed key costs no store work: its shape is no secret.
   */
  Auth authenticateNoCharge(BeakKey key, Instant now) {
    Objects.requireNonNull(key, "key");
    String raw = key.reveal();
    byte[] body = BeakKeyFormat.macBodyOf(raw);
    if (body == null) {
      throw new Unauthenticated();
    }
    AuthenticationRows rows = store.authenticationRows(BeakKeyFormat.keyIdOf(raw), knownIdentity, DECOY_BOND);
    Optional<Versioned<KeyRecord>> row = rows.key();
    // an unknown id costs the same MAC work and fails the same way: timing and error say nothing
    // about existence (K6); the comparison is constant-time
    byte[] stored = row.isPresent() ? row.get().value().mac().toByteArray() : null;
    if (!keysets.beakKeyMac().storedTagMatchesKey(stored, body) || row.isEmpty()) {
      if (row.isPresent()) {
        knownIdentity = row.get().value().info().owner().value();
      }
      throw new Unauthenticated();
    }
    KeyInfo info = row.get().value().info();
    if (!info.usableAt(now)) {
      throw new Unauthenticated();
    }
    Optional<Versioned<Identity>> identityRow = rows.identity();
    if (identityRow.isEmpty() || !identityRow.get().value().id().equals(info.owner())) {
      throw new Unauthenticated();
    }
    Versioned<Identity> identity = identityRow.get();
    if (knownIdentity == DECOY_IDENTITY) {
      knownIdentity = info.owner().value(); // once: a row that exists, for the decoy chain above
    }
    IdentityStatus status = identity.value().status();
    if (status != IdentityStatus.ACTIVE && status != IdentityStatus.BLOCKED) {
      throw new Unauthenticated();
    }
    Identity id = identity.value();
    if (id instanceof Agent agent) {
      Optional<Versioned<Bond>> bondRow = rows.bond();
      if (bondRow.isEmpty() || !bondRow.get().value().id().equals(agent.bond())) {
        throw new Unauthenticated();
      }
      Versioned<Bond> b = bondRow.get();
      if (b.value().status() != BondStatus.ACTIVE
          || !b.value().agent().equals(agent.id())
          || !info.bond().equals(Optional.of(agent.bond()))) {
        throw new Unauthenticated();
      }
      Principal p =
          new Principal(id.id(), id.tier(), Set.of(), info.id(), Optional.of(agent.operator()), Optional.of(b.value().id()));
      return new Auth(p, row.get(), identity, Optional.of(b));
    }
    Set<Role> roles = id instanceof Duckling d ? d.roles() : Set.of();
    Principal p = new Principal(id.id(), id.tier(), roles, info.id(), Optional.empty(), Optional.empty());
    return new Auth(p, row.get(), identity, Optional.empty());
  }
}
