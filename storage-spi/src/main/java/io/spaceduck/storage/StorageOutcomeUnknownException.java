package io.spaceduck.storage;

/**
 * The store failed at a point where it cannot tell whether the unit was committed: for example the
 * connection was lost while the database committed, or a file store failed after its commit point
 * (the unit is durable and will be replayed) but before it could confirm. The unit is either wholly
 * applied or not at all — never half — and the store's state will show which once it is reachable
 * again; the caller must assume neither.
 *
 * <p>A store throws this instead of a plain {@link StorageException} ("not applied") whenever "not
 * applied" is not certain (see {@link Storage#execute}). The engine reports it to the host as {@link
 * io.spaceduck.api.Unavailable} with {@link io.spaceduck.api.Unavailable#outcomeUnknown()} set.
 */
public class StorageOutcomeUnknownException extends StorageException {
  public StorageOutcomeUnknownException(String message) {
    super(message);
  }

  public StorageOutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
