package io.spaceduck.storage;

/**
 * A unit's condition did not hold at commit: a compare-and-set saw another version, an insert found
 * the key (or a unique index key) taken. Nothing of the unit was applied; the caller may re-run it.
 */
public class StorageConflictException extends StorageException {
  public StorageConflictException(String message) {
    super(message);
  }
}
