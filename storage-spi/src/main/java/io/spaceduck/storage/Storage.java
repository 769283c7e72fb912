package io.spaceduck.storage;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.Agent;
import io.spaceduck.api.Bond;
import io.spaceduck.api.Identity;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.spi.StorageHandle;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A store: the engine's only persistence. Implementations must be thread-safe.
 *
 * <h2>Guarantees every implementation gives (checked by the conformance kit)</h2>
 *
 * <ul>
 *   <li><b>Atomic units.</b> {@link #execute} commits a unit's writes and audit appends together or
 *       not at all; a failed unit leaves no trace and never affects another unit. A reader never sees
 *       half of a unit.
 *   <li><b>Compare-and-set.</b> Conditional writes ({@link Transaction}) make it impossible for two
 *       concurrent units — in this process or another sharing the store — to both win a transition.
 *   <li><b>One linear audit chain.</b> The store assigns {@code seq} gaplessly from 1 and links
 *       {@code prev_hash} under its own serialization (A5). There is no update or delete of events.
 *   <li><b>Durability.</b> {@code execute} returns only once the unit is as durable as the store
 *       promises (a file store: on disk). A store may batch many units into one commit (group commit).
 *   <li><b>Keyed reads.</b> {@link #get} is a point lookup, never a scan; a miss is an empty
 *       {@code Optional}, never an exception.
 * </ul>
 */
public interface Storage extends StorageHandle {
  /**
   * Runs {@code unit} atomically and returns its result once committed (durable as the store
   * promises).
   *
   * <p><b>Serializable.</b> The outcome of any set of concurrent units — which commit, which conflict,
   * and the state they leave — equals running them one after another in some order, each judged on its
   * own end state: a unique index key may move from one row to another within a unit, or two rows may
   * swap keys, whatever order the unit lists its writes in and however the store batches units.
   *
   * <p><b>What each exception means</b> for the unit:
   *
   * @throws StorageConflictException a condition failed (a compare-and-set lost, a key or unique index
   *     key taken): nothing was applied; the caller may re-run the unit on fresh reads
   * @throws StorageOutcomeUnknownException the store failed at a point where it cannot tell whether the
   *     unit committed (for example a fsync error at its commit point, or the connection lost during
   *     {@code COMMIT}): it is wholly applied or not at all, and the store's state will show which;
   *     assume neither. A failure after the commit point, where the unit is durable, is reported as
   *     this or as success — never as a plain {@link StorageException}
   * @throws StorageException any other store failure: nothing was applied — a store throws this only
   *     when that is certain
   * @throws RuntimeException whatever the unit threw; nothing was applied
   */
  <T> T execute(UnitOfWork<T> unit);

  /** A committed value by primary key. */
  <V> Optional<Versioned<V>> get(Table<V> table, String key);

  /**
   * The rows an authentication checks (K1, K6, I3), as one fixed chain of three keyed reads of committed
   * state — a revocation committed through any instance is seen by the next call, so a store may serve
   * it from a cache only if that cache is exactly coherent with what is committed (the MapDB store,
   * exclusive to one process, caches whole chains; a store shared by many instances reads them):
   *
   * <ol>
   *   <li>the {@link Tables#KEYS} row of {@code keyId};
   *   <li>the {@link Tables#IDENTITIES} row of that key's owner — or, when there is no key row, of
   *       {@code decoyIdentity};
   *   <li>the {@link Tables#BONDS} row of the bond that identity names if it is an {@link Agent} — or,
   *       when there is no identity row or it is no agent, of {@code decoyBond}.
   * </ol>
   *
   * <p>The shape never depends on what exists (K6: on a store where a read costs a round trip, whether
   * a key id exists must not show in the work): every call reads one key, one identity and one bond
   * row, and returns what it found — decoy rows included; the caller tells them apart by their ids. A
   * store with a network round trip per read should override this with one round trip (the JDBC store
   * runs one statement); the default makes the three {@link #get} calls, so every store supports it.
   * The rows of one call need not be one snapshot: each is committed, as with three {@link #get}s.
   */
  default AuthenticationRows authenticationRows(String keyId, String decoyIdentity, String decoyBond) {
    java.util.Objects.requireNonNull(decoyIdentity, "decoyIdentity");
    java.util.Objects.requireNonNull(decoyBond, "decoyBond");
    Optional<Versioned<KeyRecord>> key = get(Tables.KEYS, keyId);
    Optional<Versioned<Identity>> identity = get(Tables.IDENTITIES, AuthenticationRows.identityRead(key, decoyIdentity));
    Optional<Versioned<Bond>> bond = get(Tables.BONDS, AuthenticationRows.bondRead(identity, decoyBond));
    return new AuthenticationRows(key, identity, bond);
  }

  /** Committed values by index key, in primary-key order. */
  <V> List<Versioned<V>> findBy(Index<V> index, String indexKey);

  /** The newest audit event's position and hash; empty while the chain is empty. */
  Optional<AuditHead> auditHead();

  /**
   * Exactly the next {@code min(limit, remaining)} events with {@code seq >= fromSeq}, ascending and
   * contiguous (a short page means the chain ends there).
   *
   * @throws IllegalArgumentException if {@code limit < 0}
   */
  List<AuditEvent> auditRange(long fromSeq, int limit);

  /**
   * The first {@code limit} events with {@code seq > afterSeq} that match {@code filter} (see {@link
   * AuditFilter#matches}), ascending — fewer only when no more match.
   *
   * @throws IllegalArgumentException if {@code limit < 0}
   */
  List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit);

  /**
   * The hash of the perfect subtree {@code (level, index)} of the audit tree — leaves {@code [index ·
   * 2^level, (index + 1) · 2^level)}, that is the events with {@code seq} from {@code index · 2^level
   * + 1} on — as {@link io.spaceduck.api.AuditTree} defines it; empty unless the store holds all of
   * those events. Every proof and checkpoint the engine makes is built from these.
   *
   * <p>The default computes it from {@link #auditRange}: correct for every store, but it reads {@code
   * 2^level} events. A store should instead write {@link AuditTreeNodes#appended} with the events in
   * the same unit and answer this with one point read of its own stored nodes (the in-memory store
   * does).
   */
  default Optional<io.spaceduck.api.Hash> auditSubtree(int level, long index) {
    return AuditTreeNodes.fromEvents(this, level, index);
  }

  /**
   * Records a pulse (U1, U3): it becomes the agent's latest and joins its history. Not a unit and
   * not audited — pulses are the highest-volume write, so a store may batch many into one commit;
   * it returns once the pulse is as durable as the store promises. A pulse older than the agent's
   * latest joins the history without replacing the latest.
   *
   * @throws StorageOutcomeUnknownException if the store cannot tell whether the pulse was recorded
   * @throws StorageException if the store failed and the pulse was certainly not recorded
   */
  void recordPulse(Pulse pulse);

  /** The agent's latest pulse. */
  Optional<Pulse> latestPulse(AgentId agent);

  /** Up to {@code limit} pulses of the agent's history, newest first (ties: latest recorded first). */
  List<Pulse> pulseHistory(AgentId agent, int limit);

  /**
   * Deletes history pulses older than {@code cutoff} (strictly before it) (U1 TTL; the engine drives
   * this sweep). {@link #latestPulse} is never affected: an agent's latest pulse is kept however old.
   * Returns how many history entries were deleted.
   */
  int deletePulsesBefore(Instant cutoff);

  /** Closes the store. Idempotent. Units after close fail with {@link StorageException}. */
  @Override
  void close();
}
