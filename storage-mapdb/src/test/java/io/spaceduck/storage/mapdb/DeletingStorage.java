package io.spaceduck.storage.mapdb;

import io.spaceduck.conformance.ForwardingStorage;

/** A {@link MapDbStorage} whose files are deleted when it is closed, so test runs leave no litter. */
final class DeletingStorage extends ForwardingStorage {
  private final MapDbStorage store;

  DeletingStorage(MapDbStorage store) {
    super(store);
    this.store = store;
  }

  @Override
  public String describe() {
    return store.describe();
  }

  @Override
  public void close() {
    store.close();
    TempFiles.deleteStore(store.path());
  }
}
