package io.spaceduck.storage.memory;

import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageProvider;
import java.util.Map;

/** Opens a new, empty {@link InMemoryStorage} for the URI {@code memory:} (anything after it is ignored). */
public final class InMemoryStorageProvider implements StorageProvider {
  @Override
  public String scheme() {
    return "memory";
  }

  @Override
  public Storage open(String uri, Map<String, String> options) {
    return new InMemoryStorage();
  }
}
