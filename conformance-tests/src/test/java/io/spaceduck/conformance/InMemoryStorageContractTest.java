package io.spaceduck.conformance;

// certify:start
import io.spaceduck.conformance.StorageContract;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.memory.InMemoryStorage;

/** Runs the storage conformance kit on the in-memory store. */
class InMemoryStorageContractTest extends StorageContract {
  @Override
  protected Storage newStorage() {
    return new InMemoryStorage(); // a new, empty store each time
  }
}
// certify:end
