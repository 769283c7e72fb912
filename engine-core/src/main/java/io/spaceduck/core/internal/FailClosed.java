package io.spaceduck.core.internal;

import io.spaceduck.api.Unavailable;
import io.spaceduck.storage.AuthenticationRows;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Versioned;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store calls that fail closed (SPEC §0 "Fail closed"): a store failure becomes {@link Unavailable},
 * saying whether the outcome is unknown and never what the store said; a conflict passes through so
 * that the caller can re-run its unit. Thread-safe.
 */
final class FailClosed {
  private static final Logger log = LoggerFactory.getLogger(FailClosed.class);

  private final Storage storage;

  FailClosed(Storage storage) {
    this.storage = storage;
  }

  /** A keyed read, without a lambda: the authentication hot path's form of {@link #guard}. */
  <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    try {
      return storage.get(table, key);
    } catch (StorageConflictException e) {
      throw e;
    } catch (StorageException e) {
      throw unavailable(e);
    }
  }

  /** {@link Storage#authenticationRows}, without a lambda: the authentication hot path's one store call. */
  AuthenticationRows authenticationRows(String keyId, String decoyIdentity, String decoyBond) {
    try {
      return storage.authenticationRows(keyId, decoyIdentity, decoyBond);
    } catch (StorageConflictException e) {
      throw e;
    } catch (StorageException e) {
      throw unavailable(e);
    }
  }

  /** Runs a store call, failing closed on store errors; conflicts pass through for a retry. */
  <T> T guard(Supplier<T> call) {
    try {
      return call.get();
    } catch (StorageConflictException e) {
      throw e;
    } catch (StorageException e) {
      throw unavailable(e);
    }
  }

  /** The refusal a store failure becomes; logged with the store's description, not the caller's data. */
  Unavailable unavailable(StorageException e) {
    log.error("store failure in {}: {}", storage.describe(), e.toString());
    if (e instanceof StorageOutcomeUnknownException) {
      return new Unavailable("the store failed; whether the action was applied is unknown", e, true);
    }
    return new Unavailable("the store failed; nothing was applied", e);
  }
}
