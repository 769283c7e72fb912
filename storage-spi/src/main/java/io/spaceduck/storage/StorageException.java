package io.spaceduck.storage;

/**
 * The store failed (I/O, corruption, lost connection). The engine fails closed: the action is not
 * applied and the host sees {@link io.spaceduck.api.Unavailable}. Messages name files or tables, never
 * secrets.
 */
public class StorageException extends RuntimeException {
  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
