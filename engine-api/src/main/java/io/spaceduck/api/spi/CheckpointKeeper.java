package io.spaceduck.api.spi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the engine keeps the newest audit checkpoint it signed, <em>outside</em> the store: on every
 * open and every {@code audit().verify} the engine checks that the store's audit tree still extends
 * it, so a store truncated or rewritten behind the engine's back is refused ({@code
 * docs/transparency.md}). A keeper in the same place as the store protects nothing: an attacker who
 * can rewrite one rewrites both.
 *
 * <p>Implementations must be thread-safe; {@link #keep} must replace the kept note atomically (a
 * reader sees the old or the new note, never half of one) and durably.
 */
public interface CheckpointKeeper {
  /** The kept signed checkpoint note ({@code SignedNote.format()}), if any. */
  Optional<String> load();

  /** Replaces the kept note with {@code note}. */
  void keep(String note);

  /** A short, non-secret description for messages, e.g. the file name. */
  String describe();

  /**
   * A keeper in one file: read whole, replaced by writing a sibling temporary file, forcing it to disk
   * and renaming it over the old one.
   */
  static CheckpointKeeper file(Path path) {
    Objects.requireNonNull(path, "path");
    return new CheckpointKeeper() {
      @Override
      public synchronized Optional<String> load() {
        try {
          return Files.exists(path) ? Optional.of(Files.readString(path, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the kept checkpoint " + path, e);
        }
      }

      @Override
      public synchronized void keep(String note) {
        Objects.requireNonNull(note, "note");
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
          ch.write(java.nio.ByteBuffer.wrap(note.getBytes(StandardCharsets.UTF_8)));
          ch.force(true);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write the kept checkpoint " + tmp, e);
        }
        try {
          try {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot replace the kept checkpoint " + path, e);
        }
      }

      @Override
      public String describe() {
        return "file " + path;
      }
    };
  }

  /** A keeper in memory (tests, and hosts that keep the note elsewhere themselves). */
  static CheckpointKeeper inMemory() {
    return new CheckpointKeeper() {
      private volatile String note;

      @Override
      public Optional<String> load() {
        return Optional.ofNullable(note);
      }

      @Override
      public void keep(String n) {
        note = Objects.requireNonNull(n, "note");
      }

      @Override
      public String describe() {
        return "memory";
      }
    };
  }
}
