package io.spaceduck.core;

import io.spaceduck.conformance.EngineContract;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Storages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Runs the engine conformance kit on the embedded MapDB store (opened by URI, as a host does): every
 * chain gets a new file, deleted when the kit closes the store. The files live in {@code /dev/shm}
 * where available — the kit checks semantics, not durability, and a tmpfs fsync is free (the MapDB
 * crash test checks the disk).
 */
class MapDbEngineContractTest extends EngineContract {
  private static final Path DIR = memoryDirectory();

  @Override
  protected Storage newStorage() {
    Path file = DIR.resolve("store-" + System.nanoTime() + ".db");
    return new ForwardingStorage(Storages.open("mapdb:" + file, Map.of())) {
      @Override
      public void close() {
        super.close();
        deleteMatching(file);
      }
    };
  }

  private static Path memoryDirectory() {
    try {
      Path shm = Path.of("/dev/shm");
      return Files.isDirectory(shm) && Files.isWritable(shm)
          ? Files.createTempDirectory(shm, "mapdb-engine-contract")
          : Files.createTempDirectory("mapdb-engine-contract");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The store file and its sidecars (lock, journal). */
  private static void deleteMatching(Path file) {
    try (Stream<Path> s = Files.list(file.getParent())) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(file.getFileName().toString())).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterContainer
  static void deleteDirectory() throws IOException {
    try (Stream<Path> s = Files.walk(DIR)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
