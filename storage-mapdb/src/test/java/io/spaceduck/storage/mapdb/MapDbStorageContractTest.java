package io.spaceduck.storage.mapdb;

import io.spaceduck.conformance.StorageContract;
import io.spaceduck.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Runs the storage conformance kit against {@link MapDbStorage}: every store is a fresh file, deleted
 * again when the kit closes the store. The files live in {@code /dev/shm} where available: the kit
 * checks semantics (atomicity, isolation, CAS, the chain), which do not depend on the medium, and a
 * tmpfs fsync is free; durability on a real disk is what {@link MapDbCrashTest} checks.
 */
class MapDbStorageContractTest extends StorageContract {
  private static final Path DIR = TempFiles.newMemoryDirectory("mapdb-contract");

  @Override
  protected Storage newStorage() {
    try {
      Path file = Files.createTempFile(DIR, "store", ".db"); // empty: opens as a new store
      return new DeletingStorage(MapDbStorage.open(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterContainer
  static void deleteDirectory() {
    TempFiles.deleteRecursively(DIR);
  }
}
