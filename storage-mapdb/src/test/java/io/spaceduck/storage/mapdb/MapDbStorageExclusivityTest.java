package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store is exclusive to one process (issue 4, item 1), checked with a real second JVM. */
class MapDbStorageExclusivityTest {
  @TempDir Path dir;

  @Test
  void storeHeldByAnotherProcess_isRefusedUntilItCloses() throws Exception {
    Path file = dir.resolve("shared.db");
    ChildJvm child = ChildJvm.start(HoldStoreMain.class, dir.resolve("child.err"), file.toString());
    try {
      assertEquals("OPEN", child.nextLine(60), child.stderr());
      StorageException e = assertThrows(StorageException.class, () -> MapDbStorage.open(file));
      assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
      assertTrue(e.getMessage().contains("another process"), e.getMessage());
      try (OutputStream in = child.process.getOutputStream()) {
        in.write("close\n".getBytes(StandardCharsets.UTF_8));
      }
      assertEquals("CLOSED", child.nextLine(60), child.stderr());
      assertTrue(child.process.waitFor(60, TimeUnit.SECONDS));
    } finally {
      child.kill();
    }
    try (MapDbStorage s = MapDbStorage.open(file)) {
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("mine", "now"));
        return null;
      });
    }
  }

  @Test
  void storeHeldHere_isRefusedToAnotherProcess() throws Exception {
    Path file = dir.resolve("mine.db");
    try (MapDbStorage s = MapDbStorage.open(file)) {
      ChildJvm child = ChildJvm.start(HoldStoreMain.class, dir.resolve("child.err"), file.toString());
      try {
        String line = child.nextLine(60);
        assertTrue(line.startsWith("REFUSED "), line + " / " + child.stderr());
        assertTrue(line.contains(file.getFileName().toString()) && line.contains("another process"), line);
        assertEquals(2, child.process.waitFor(), "exit status of a refused open");
      } finally {
        child.kill();
      }
      assertTrue(s.get(Tables.META, "x").isEmpty(), "still usable here");
    }
  }

  /** SIGKILL releases the OS lock: the stale lock file left behind blocks nobody. */
  @Test
  void killedHolder_releasesTheStore() throws Exception {
    Path file = dir.resolve("killed.db");
    ChildJvm child = ChildJvm.start(HoldStoreMain.class, dir.resolve("child.err"), file.toString());
    try {
      assertEquals("OPEN", child.nextLine(60), child.stderr());
    } finally {
      child.kill();
    }
    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertTrue(s.auditHead().isEmpty());
    }
  }
}
