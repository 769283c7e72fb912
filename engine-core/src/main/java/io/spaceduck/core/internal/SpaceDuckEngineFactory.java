package io.spaceduck.core.internal;

import io.spaceduck.api.EngineConfig;
import io.spaceduck.api.EngineFactory;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Unavailable;
import io.spaceduck.api.spi.StorageHandle;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Storages;
import java.util.Map;

/** Builds engines for {@code SpaceDuck.builder().build()}; registered with {@link java.util.ServiceLoader}. */
public final class SpaceDuckEngineFactory implements EngineFactory {
  @Override
  public SpaceDuck create(EngineConfig config) {
    Storage storage;
    boolean opened = config.storage().isEmpty();
    if (opened) {
      try {
        storage = Storages.open(config.storageUri().orElseThrow(), Map.of());
      } catch (StorageException e) {
        throw new Unavailable("cannot open the store: " + e.getMessage(), e);
      }
    } else {
      StorageHandle handle = config.storage().get();
      if (!(handle instanceof Storage s)) {
        throw new IllegalArgumentException("the store must implement io.spaceduck.storage.Storage");
      }
      storage = s;
    }
    try {
      EngineKeysets keysets = new EngineKeysets(storage, new KekAead(config.kek()), config.clock());
      Core core = new Core(config, storage, keysets);
      core.transparency.checkOnOpen();
      return new EngineImpl(core, opened || config.closeStorage());
    } catch (Transparency.Inconsistent e) {
      if (opened) {
        storage.close();
      }
      throw new Unavailable("refusing the store " + storage.describe() + ": " + e.getMessage());
    } catch (EngineKeysets.KeysetException e) {
      if (opened) {
        storage.close();
      }
      throw new Unavailable(e.getMessage() + " in " + storage.describe(), e);
    } catch (StorageException e) {
      if (opened) {
        storage.close();
      }
      throw new Unavailable("cannot read the store " + storage.describe() + ": " + e.getMessage(), e);
    }
  }
}
