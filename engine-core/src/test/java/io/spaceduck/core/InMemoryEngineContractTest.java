package io.spaceduck.core;

// certify:start
import io.spaceduck.conformance.EngineContract;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.memory.InMemoryStorage;

/** Runs the engine conformance kit on the in-memory store. */
class InMemoryEngineContractTest extends EngineContract {
  @Override
  protected Storage newStorage() {
    return new InMemoryStorage(); // a new, empty store each time
  }
}
// certify:end
