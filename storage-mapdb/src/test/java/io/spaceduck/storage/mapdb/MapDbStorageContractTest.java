package io.spaceduck.storage.mapdb;

import io.spaceduck.conformance.CommitFaults;
import io.spaceduck.conformance.StorageContract;
import io.spaceduck.conformance.StoreCapability;
import io.spaceduck.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
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

  /** A file that keeps what was committed, with a journal whose commit can fail after its fsync. */
  @Override
  protected Set<StoreCapability> capabilities() {
    return EnumSet.of(StoreCapability.DURABLE, StoreCapability.COMMIT_FAULTS);
  }

  /**
   * MapDB's commit point is the journal fsync; {@link JournaledVolume#crashAfterRanges} = 0 fails the
   * commit right after it, before the first page reaches the store file. Reopening opens the same file,
   * which replays the journal.
   */
  @Override
  protected Optional<CommitFaults> commitFaults() {
    return Optional.of(
        new CommitFaults() {
          @Override
          public Storage newStore() {
            try {
              return MapDbStorage.open(Files.createTempFile(DIR, "faults", ".db")); // not deleting: reopened later
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }

          @Override
          public void failNextCommitAfterCommitPoint(Storage store) {
            mapDb(store).volume().crashAfterRanges = 0;
          }

          @Override
          public Storage reopen(Storage store) {
            MapDbStorage s = mapDb(store);
            s.close();
            return new DeletingStorage(MapDbStorage.open(s.path()));
          }

          private MapDbStorage mapDb(Storage store) {
            return store instanceof DeletingStorage d ? (MapDbStorage) d.delegate() : (MapDbStorage) store;
          }
        });
  }

  @AfterContainer
  static void deleteDirectory() {
    TempFiles.deleteRecursively(DIR);
  }
}
