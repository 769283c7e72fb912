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
 * META-INF/services/io.spaceduck.storage.StorageProvider}.
 *
 * <p>One option, {@value #CACHE_SIZE}: the most decoded rows the store's record cache holds (a
 * non-negative integer, 0 = no cache; default {@value MapDbStorage#DEFAULT_CACHE_SIZE}), given in the
 * options map or at the end of the URI as {@code ?cacheSize=N} (so that a host that only passes a URI,
 * e.g. {@code SpaceDuck.builder().storageUri(…)}, can set it). A URI whose {@code ?…} tail is not
 * exactly that is refused, never read as part of the file name. Stateless and thread-safe.
 */
public final class MapDbStorageProvider implements StorageProvider {
  /** The option (and URI query parameter) that sizes the record cache. */
  public static final String CACHE_SIZE = "cacheSize";

  /** Called by {@link java.util.ServiceLoader}. */
  public MapDbStorageProvider() {}

  @Override
  public String scheme() {
    return "mapdb";
  }

  /**
   * @throws StorageException if the URI names no file, carries an option other than {@value #CACHE_SIZE}
   *     or an invalid cache size, or the store cannot be opened (see {@link MapDbStorage#open})
   * @throws IllegalArgumentException if the URI is not of scheme {@code mapdb}
   */
  @Override
  public Storage open(String uri, Map<String, String> options) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    if (!accepts(uri)) {
      throw new IllegalArgumentException("not a mapdb: URI");
    }
    String location = uri;
    String fromUri = null;
    int q = uri.indexOf('?');
    if (q >= 0) {
      String query = uri.substring(q + 1);
      if (!query.startsWith(CACHE_SIZE + "=") || query.indexOf('&') >= 0) {
        throw new StorageException("the mapdb store takes one URI parameter, ?" + CACHE_SIZE + "=N");
      }
      fromUri = query.substring(CACHE_SIZE.length() + 1);
      location = uri.substring(0, q);
    }
    for (String k : options.keySet()) {
      if (!CACHE_SIZE.equals(k)) {
        throw new StorageException("the mapdb store takes one option, " + CACHE_SIZE + "; got " + options.keySet());
      }
    }
    String fromMap = options.get(CACHE_SIZE);
    if (fromUri != null && fromMap != null && !fromUri.equals(fromMap)) {
      throw new StorageException(CACHE_SIZE + " given twice, in the URI and the options, with different values");
    }
    String size = fromUri != null ? fromUri : fromMap;
    return MapDbStorage.open(pathOf(location), size == null ? MapDbStorage.DEFAULT_CACHE_SIZE : cacheSize(size));
  }

  static int cacheSize(String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 0 && value.equals(Integer.toString(n))) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new StorageException(CACHE_SIZE + " must be an integer from 0 to " + Integer.MAX_VALUE + ", got '" + value + "'");
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
