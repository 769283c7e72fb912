package io.spaceduck.storage;

import java.util.Map;

/**
 * Opens stores of one kind by URI; registered in {@code META-INF/services/io.spaceduck.storage.StorageProvider}
 * and found with {@link java.util.ServiceLoader} (see {@link Storages#open}).
 */
public interface StorageProvider {
  /** The URI scheme this provider opens, e.g. {@code "memory"}, {@code "mapdb"}, {@code "jdbc"}. */
  String scheme();

  /** Whether this provider opens {@code uri} (by default: its scheme matches). */
  default boolean accepts(String uri) {
    return uri.startsWith(scheme() + ":");
  }

  /**
   * @throws StorageException if the store cannot be opened; the message names the location
   */
  Storage open(String uri, Map<String, String> options);
}
