package io.spaceduck.conformance.broken;

import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Versioned;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Broken on purpose (I3, K4): a record cache in front of every committed {@code get} whose writer never
 * invalidates it at commit — the cache a store would have if it filled on reads and forgot the commit
 * path. After a key row is revoked or rotated away, every later read keeps serving the version the
 * cache first saw. Units ({@code tx.get}) and {@code findBy} read through to the store.
 */
final class UninvalidatedCacheStorage extends ForwardingStorage {
  private record RowId(Table<?> table, String key) {}

  private final ConcurrentHashMap<RowId, Versioned<?>> cache = new ConcurrentHashMap<>();

  UninvalidatedCacheStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    RowId id = new RowId(table, key);
    Versioned<?> cached = cache.get(id);
    if (cached != null) {
      return Optional.of((Versioned<V>) cached);
    }
    Optional<Versioned<V>> fresh = delegate.get(table, key);
    fresh.ifPresent(v -> cache.put(id, v));
    return fresh;
  }
}
