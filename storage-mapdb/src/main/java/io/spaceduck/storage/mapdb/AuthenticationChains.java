package io.spaceduck.storage.mapdb;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.spaceduck.api.Agent;
import io.spaceduck.api.Bond;
import io.spaceduck.api.Identity;
import io.spaceduck.storage.AuthenticationRows;
import io.spaceduck.storage.CommittedView;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * The MapDB store's cache of whole authentication chains (issue 19): for a key id, the three durable
 * rows {@link io.spaceduck.storage.Storage#authenticationRows} reads — the key row, its owner's
 * identity row and that identity's bond row — in one entry, so that an authentication that hits costs
 * one cache lookup instead of three. Key ids with no key row get an entry too ({@link #NO_KEY}).
 *
 * <p><b>Coherence</b> follows the record cache's three rules (see {@link MapDbStorage}):
 *
 * <ol>
 *   <li><b>Fill under the read lock</b> ({@link #fill}): the rows are read from the durable view and
 *       the entry is put before the read lock is released, so no publish runs between the read and the
 *       put.
 *   <li><b>Invalidate at publish</b> ({@link #published}, under the write lock): a written key row
 *       drops that key id's entry. A written identity or bond row cannot name the entries that hold it
 *       without a reverse index, so it bumps a <em>generation</em> instead — one of {@value #STRIPES}
 *       counters per table, chosen by the row's key — and an entry is valid only while the two counters
 *       of its identity and bond rows still hold what they held when it was filled. A write to another
 *       row of the same stripe costs an entry a refill, never a stale answer.
 *   <li><b>Hits without the lock</b> ({@link #hit}): the entry is read, then its two counters. If publish
 *       bumped either before that read, the hit fails and the caller reads under the lock; if not, the
 *       hit is ordered before publish's commit point, whose callers have not been told yet. So a call
 *       that starts after {@code execute} returned sees the unit (I3).
 * </ol>
 *
 * An entry is filled with the decoy bond id when its identity is no agent (or has no row); it then
 * serves only calls with that decoy. Bounded by Caffeine, whose W-TinyLFU admission lets a key id seen
 * once (a flood of unknown ids) displace only entries used less often. An entry holds references to the
 * decoded rows, shared with the record cache while that holds them.
 *
 * <p>Thread-safe: {@link #hit} from any thread; {@link #fill} under the store's read lock; {@link
 * #published} under its write lock.
 */
final class AuthenticationChains {
  /** Generation counters per table (identities, bonds): 32 KB each. */
  static final int STRIPES = 4096;

  /**
   * A key's chain as it was durable at the fill: the key row (null in {@link #NO_KEY}), the identity
   * and bond rows the chain read (null where absent), the decoy bond id if the chain read the decoy
   * (its identity is no agent, or has no row; null otherwise), and the stripes and generations of the
   * identity and bond rows.
   */
  private record Chain(
      @Nullable Versioned<KeyRecord> key,
      @Nullable Versioned<Identity> identity,
      @Nullable Versioned<Bond> bond,
      @Nullable String decoyBond,
      int identityStripe,
      long identityGeneration,
      int bondStripe,
      long bondGeneration) {}

  /** The entry of a key id with no key row: its identity and bond rows are the decoys of each call. */
  private static final Chain NO_KEY = new Chain(null, null, null, null, 0, 0, 0, 0);

  private final Cache<String, Chain> chains;
  private final AtomicLongArray identityGenerations = new AtomicLongArray(STRIPES);
  private final AtomicLongArray bondGenerations = new AtomicLongArray(STRIPES);

  /** Seam for tests: runs in {@link #fill} after the rows were read, before the entry is put. */
  volatile Runnable betweenReadAndFill = () -> {};

  AuthenticationChains(int maximumSize) {
    // maintenance on the calling thread, as the record cache
    this.chains = Caffeine.newBuilder().maximumSize(maximumSize).executor(Runnable::run).build();
  }

  /** Which entries a store with a record cache of {@code cacheSize} rows keeps: one per three rows. */
  static int sizeFor(int cacheSize) {
    return Math.max(1, cacheSize / 3);
  }

  private static int stripe(String key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  /**
   * The cached chain of {@code keyId} as rows — the key row, identity and bond from the entry, or for a
   * key id with no row {@code decoys}, the caller's chain with no key row (its decoy identity and that
   * identity's bond or the decoy bond) — or null if there is no valid entry.
   */
  @Nullable AuthenticationRows hit(String keyId, String decoyBond, AuthenticationRows decoys) {
    Chain c = chains.getIfPresent(keyId);
    if (c == null) {
      return null;
    }
    if (c == NO_KEY) {
      return decoys;
    }
    if (identityGenerations.get(c.identityStripe()) != c.identityGeneration()
        || bondGenerations.get(c.bondStripe()) != c.bondGeneration()
        || (c.decoyBond() != null && !c.decoyBond().equals(decoyBond))) {
      return null;
    }
    return rows(c);
  }

  /**
   * Reads the chain of {@code keyId} from {@code durable} and caches it. The caller holds the store's
   * read lock (rule 1). The generations are read before the rows.
   */
  AuthenticationRows fill(String keyId, String decoyBond, AuthenticationRows decoys, CommittedView durable) {
    Optional<Versioned<KeyRecord>> key = durable.get(Tables.KEYS, keyId);
    if (key.isEmpty()) {
      betweenReadAndFill.run();
      chains.put(keyId, NO_KEY);
      return decoys;
    }
    String owner = key.get().value().info().owner().value();
    int identityStripe = stripe(owner);
    long identityGeneration = identityGenerations.get(identityStripe);
    Optional<Versioned<Identity>> identity = durable.get(Tables.IDENTITIES, owner);
    boolean agent = identity.isPresent() && identity.get().value() instanceof Agent;
    String bondId = agent ? ((Agent) identity.get().value()).bond().value() : decoyBond;
    int bondStripe = stripe(bondId);
    long bondGeneration = bondGenerations.get(bondStripe);
    Optional<Versioned<Bond>> bond = durable.get(Tables.BONDS, bondId);
    Chain c = new Chain(key.get(), identity.orElse(null), bond.orElse(null), agent ? null : decoyBond,
        identityStripe, identityGeneration, bondStripe, bondGeneration);
    betweenReadAndFill.run();
    chains.put(keyId, c);
    return rows(c);
  }

  private static AuthenticationRows rows(Chain c) {
    return new AuthenticationRows(Optional.ofNullable(c.key()), Optional.ofNullable(c.identity()), Optional.ofNullable(c.bond()));
  }

  /** A durable batch wrote this row: drops or outdates the entries that hold it (rule 2; under the write lock). */
  void published(Table<?> table, String key) {
    if (table == Tables.KEYS) {
      chains.invalidate(key);
    } else if (table == Tables.IDENTITIES) {
      identityGenerations.incrementAndGet(stripe(key));
    } else if (table == Tables.BONDS) {
      bondGenerations.incrementAndGet(stripe(key));
    }
  }

  /** Entries held now (after pending maintenance); for tests and monitoring. */
  long size() {
    chains.cleanUp();
    return chains.estimatedSize();
  }
}
