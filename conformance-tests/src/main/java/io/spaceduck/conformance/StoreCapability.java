package io.spaceduck.conformance;

/**
 * What a backend's store can do beyond the plain SPI, declared by its test ({@link
 * StorageContract#capabilities()}). The kit runs a case that needs a capability only on a store that
 * declares it; on any other store the case reports that it does not apply ({@link NotApplicable}:
 * JUnit shows it as aborted, naming what is missing) instead of passing silently. Every case that
 * does not name a capability runs on every store.
 *
 * <p>A capability is listed here only when a case of the kit depends on it. Running several processes
 * on one store, or committing units in batches, changes no outcome the contract checks: every store must
 * give every unit the same answers either way, so neither is a capability.
 */
public enum StoreCapability {
  /**
   * Units that returned survive closing the store and opening it again over the same data (a file, a
   * database): a restarted process sees them. A store in memory is not durable.
   */
  DURABLE,

  /**
   * The backend's test can make a store's next commit fail right after its commit point and open the
   * store again over the same data: {@link StorageContract#commitFaults()} returns that seam ({@link
   * CommitFaults}). Needs {@link #DURABLE}. The cases "a failure after the commit point is never 'not
   * applied'" run only with it.
   */
  COMMIT_FAULTS
}
