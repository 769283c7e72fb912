package io.spaceduck.storage.mapdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories for tests that cannot use JUnit's {@code @TempDir} (jqwik containers). */
final class TempFiles {
  private TempFiles() {}

  static Path newDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A directory in memory ({@code /dev/shm}, where fsync costs nothing) if this machine has one, else
   * in the default temporary directory. For tests of semantics, not durability: the store's code path
   * is the same, only the medium is faster.
   */
  static Path newMemoryDirectory(String prefix) {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      try {
        return Files.createTempDirectory(shm, prefix);
      } catch (IOException e) {
        // fall back to the default temporary directory
      }
    }
    return newDirectory(prefix);
  }

  /** Deletes {@code path} and everything under it; missing paths are fine. */
  static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> s = Files.walk(path)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The store file and its sidecars: lock, write-ahead log. */
  static void deleteStore(Path file) {
    try (Stream<Path> s = Files.list(file.getParent())) {
      String name = file.getFileName().toString();
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(name)).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
