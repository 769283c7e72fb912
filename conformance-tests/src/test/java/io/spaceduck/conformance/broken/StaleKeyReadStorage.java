package io.spaceduck.conformance.broken;

import io.spaceduck.storage.KeyRecord;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Broken on purpose (K4, I3): a read-through cache in front of {@code get(Tables.KEYS, …)} that is
 * never invalidated, so after a key record is updated — revoked, rotated away — the committed read
 * keeps returning the version it first saw. On the engine's hot path a revoked key would keep
 * authenticating. Units ({@code tx.get}) and every other table read through to the store.
 */
final class StaleKeyReadStorage extends ForwardingStorage {
  private final ConcurrentHashMap<String, Versioned<KeyRecord>> cache = new ConcurrentHashMap<>();

  StaleKeyReadStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    if (table != Tables.KEYS) {
      return delegate.get(table, key);
    }
    Versioned<KeyRecord> cached = cache.get(key);
    if (cached != null) {
      return Optional.of((Versioned<V>) cached);
    }
    Optional<Versioned<KeyRecord>> fresh = delegate.get(Tables.KEYS, key);
    fresh.ifPresent(v -> cache.putIfAbsent(key, v));
    return (Optional<Versioned<V>>) (Optional<?>) fresh;
  }
}
