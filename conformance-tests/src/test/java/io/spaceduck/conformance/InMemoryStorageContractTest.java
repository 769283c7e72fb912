package io.spaceduck.conformance;

// certify:start
import io.spaceduck.conformance.StorageContract;
import io.spaceduck.conformance.StoreCapability;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.util.EnumSet;
import java.util.Set;

/** Runs the storage conformance kit on the in-memory store. */
class InMemoryStorageContractTest extends StorageContract {
  @Override
  protected Storage newStorage() {
    return new InMemoryStorage(); // a new, empty store each time
  }

  @Override
  protected Set<StoreCapability> capabilities() {
    return EnumSet.noneOf(StoreCapability.class); // in memory: not DURABLE, no COMMIT_FAULTS
  }
}
// certify:end
