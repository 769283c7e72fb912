package io.spaceduck.storage.mapdb;

import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Opens a {@link MapDbStorage} for URIs of scheme {@code mapdb}: {@code mapdb:/path/to/store.db}
 * (absolute), {@code mapdb:relative/store.db} (against the working directory) or {@code
 * mapdb:///path/to/store.db} (a file URI's path). Registered in {@code
 * META-INF/services/io.spaceduck.storage.StorageProvider}. Takes no options. Stateless and
 * thread-safe.
 */
public final class MapDbStorageProvider implements StorageProvider {
  /** Called by {@link java.util.ServiceLoader}. */
  public MapDbStorageProvider() {}

  @Override
  public String scheme() {
    return "mapdb";
  }

  /**
   * @throws StorageException if the URI names no file, carries options, or the store cannot be opened
   *     (see {@link MapDbStorage#open})
   * @throws IllegalArgumentException if the URI is not of scheme {@code mapdb}
   */
  @Override
  public Storage open(String uri, Map<String, String> options) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    if (!accepts(uri)) {
      throw new IllegalArgumentException("not a mapdb: URI");
    }
    if (!options.isEmpty()) {
      throw new StorageException("the mapdb store takes no options, got " + options.keySet());
    }
    return MapDbStorage.open(pathOf(uri));
  }

  static Path pathOf(String uri) {
    String rest = uri.substring("mapdb:".length());
    if (rest.isBlank()) {
      throw new StorageException("'" + uri + "' names no file; use mapdb:/path/to/store.db");
    }
    try {
      if (rest.startsWith("//")) {
        URI file = URI.create("file:" + rest);
        if (file.getAuthority() != null) {
          throw new StorageException("'" + uri + "' names a host; use mapdb:/path/to/store.db");
        }
        return Path.of(file);
      }
      return Path.of(rest);
    } catch (IllegalArgumentException e) { // InvalidPathException, bad URI syntax
      throw new StorageException("'" + uri + "' is not a valid file path (" + e.getMessage() + ")", e);
    }
  }
}
