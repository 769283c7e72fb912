package io.spaceduck.conformance;

import io.spaceduck.storage.Storage;

/**
 * An optional capability of a backend's test factory ({@link StorageContract#commitFaults()}): stores
 * whose next commit can be made to fail right after its <em>commit point</em>, and that can be opened
 * again over the same data. The commit point is where a unit becomes durable: a file store's journal
 * fsync, a database's {@code COMMIT}. A failure after it — the page copy failing, the connection lost
 * while the server committed — leaves the unit durable, so the store must not tell the caller "not
 * applied": it says the unit committed, or throws {@link io.spaceduck.storage.StorageOutcomeUnknownException}.
 * The kit checks that, and that the next open has the unit exactly once.
 *
 * <p>A store with no commit point (one in memory) has nothing to offer here: its factory leaves {@link
 * StorageContract#commitFaults()} empty and the kit reports the cases as not applicable.
 *
 * <p>Implementations are called from one thread at a time (the kit's try).
 */
public interface CommitFaults {
  /**
   * A new, empty, open store that {@link #failNextCommitAfterCommitPoint} and {@link #reopen} accept.
   * The kit closes it (closing twice is allowed).
   */
  Storage newStore();

  /**
   * Makes the next commit of {@code store} (one of {@link #newStore()}'s or {@link #reopen}'s) fail right
   * after its commit point: the unit is durable, and then the store sees the failure a crash or a lost
   * connection would cause — e.g. a fault injected into the journal's page copy, or a connection that
   * dies after the server committed.
   */
  void failNextCommitAfterCommitPoint(Storage store);

  /**
   * Closes {@code store} if it is still open — without removing its data — and opens a new store over
   * the same data, as a restarted process would (the same file, the same database). The kit closes the
   * new store; the data may be removed then.
   */
  Storage reopen(Storage store);
}
