package io.spaceduck.storage;

import java.util.Map;
import java.util.ServiceLoader;

/** Opens a store by URI through the {@link StorageProvider}s on the class path. */
public final class Storages {
  private Storages() {}

  /**
   * @throws StorageException if no provider accepts {@code uri}, or the provider fails
   */
  public static Storage open(String uri, Map<String, String> options) {
    for (StorageProvider p : ServiceLoader.load(StorageProvider.class, Storages.class.getClassLoader())) {
      if (p.accepts(uri)) {
        return p.open(uri, options);
      }
    }
    int colon = uri.indexOf(':');
    throw new StorageException(
        "no storage provider for scheme '" + (colon > 0 ? uri.substring(0, colon) : uri) + "' on the class path");
  }
}
