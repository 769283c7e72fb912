package io.spaceduck.api.spi;

/**
 * What the builder accepts as a store: every {@code io.spaceduck.storage.Storage} is one. This
 * marker keeps the API module free of any dependency on the storage modules.
 */
public interface StorageHandle extends AutoCloseable {
  /** A short, non-secret description (kind and location, never credentials). */
  String describe();

  @Override
  void close();
}
