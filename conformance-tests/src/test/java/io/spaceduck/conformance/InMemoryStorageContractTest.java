package io.spaceduck.conformance;

import io.spaceduck.storage.Storage;
import io.spaceduck.storage.memory.InMemoryStorage;

/** Runs the storage conformance kit against the in-memory reference store. */
class InMemoryStorageContractTest extends StorageContract {
  @Override
  protected Storage newStorage() {
    return new InMemoryStorage();
  }
}
