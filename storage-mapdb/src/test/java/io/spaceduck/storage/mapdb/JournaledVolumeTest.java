package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.Volume;

/**
 * The journal that makes a commit of the store file atomic and durable: writes reach the file only at
 * {@code sync}; a crash after the journal entry is durable is repaired on open, wherever the copy into
 * the store file stopped, and even if the store file lost every write since the last checkpoint (a
 * power loss); a torn or damaged entry is dropped; a journal that does not belong to the file is
 * refused.
 */
class JournaledVolumeTest {
  @TempDir Path dir;

  private Path file;
  private Path journal;

  private JournaledVolume open() {
    file = dir.resolve("v.db");
    journal = JournaledVolume.journalOf(file);
    Volume raw = RandomAccessFileVol.FACTORY.makeVolume(file.toString(), false, 0L, 20, 0L, false);
    return JournaledVolume.open(raw, journal);
  }

  /** 3 pages of base content, committed. */
  private static byte[] base() {
    byte[] b = new byte[3 * JournaledVolume.PAGE];
    new Random(1).nextBytes(b);
    return b;
  }

  /** A commit that touches every page, grows the file and rewrites page 0 (as StoreWAL's header). */
  private static void change(Volume v) {
    v.ensureAvailable(5L * JournaledVolume.PAGE);
    v.putLong(8, 0x1122334455667788L);
    v.putData(JournaledVolume.PAGE - 3, new byte[] {9, 9, 9, 9, 9, 9}, 0, 6); // spans pages 0 and 1
    v.putInt(2L * JournaledVolume.PAGE + 100, 42);
    v.putByte(4L * JournaledVolume.PAGE + 7, (byte) 5);
  }

  private static byte[] expected() throws IOException {
    Path scratch = Files.createTempFile("expected", ".bin");
    try {
      Volume v = RandomAccessFileVol.FACTORY.makeVolume(scratch.toString(), false, 0L, 20, 0L, false);
      byte[] b = base();
      v.ensureAvailable(b.length);
      v.putData(0, b, 0, b.length);
      change(v);
      v.sync();
      v.close();
      return Files.readAllBytes(scratch);
    } finally {
      Files.deleteIfExists(scratch);
    }
  }

  private JournaledVolume withBase() {
    JournaledVolume v = open();
    byte[] b = base();
    v.ensureAvailable(b.length);
    v.putData(0, b, 0, b.length);
    v.sync();
    return v;
  }

  @Test
  void writes_reachTheFileOnlyAtSync_andReadsSeeThemBefore() throws IOException {
    JournaledVolume v = withBase();
    byte[] before = Files.readAllBytes(file);
    change(v);
    assertArrayEquals(before, Files.readAllBytes(file), "nothing reached the file before sync");
    assertEquals(0x1122334455667788L, v.getLong(8), "reads see held writes");
    assertEquals(42, v.getInt(2L * JournaledVolume.PAGE + 100));
    assertEquals(5L * JournaledVolume.PAGE, v.length());
    assertEquals(0, v.getByte(4L * JournaledVolume.PAGE + 6), "unwritten bytes of a new page are zero");
    v.sync();
    assertTrue(v.journalSize() > 0 && Files.size(journal) == v.journalSize(), "the commit is in the journal");
    assertArrayEquals(Arrays.copyOf(expected(), (int) Files.size(file)), Files.readAllBytes(file), "and in the file");
    v.close();
    assertArrayEquals(Arrays.copyOf(expected(), (int) Files.size(file)), Files.readAllBytes(file));
    assertEquals(0, Files.size(journal), "a clean close checkpoints: the journal is empty");
  }

  @Test
  void journalReachingTheThreshold_isCheckpointed() throws IOException {
    JournaledVolume v = withBase();
    v.checkpointBytes = 3 * JournaledVolume.PAGE;
    long checkpoints = 0;
    long previous = v.journalSize();
    for (int i = 0; i < 20; i++) {
      v.putData((long) (i % 3) * JournaledVolume.PAGE, new byte[JournaledVolume.PAGE], 0, JournaledVolume.PAGE);
      v.sync();
      if (v.journalSize() < previous) {
        checkpoints++;
      }
      assertTrue(v.journalSize() < v.checkpointBytes, "never above the threshold after a commit");
      previous = v.journalSize();
    }
    assertTrue(checkpoints >= 5, "checkpoints: " + checkpoints);
    v.close();
  }

  /**
   * A power loss can lose any store-file write after the last checkpoint; the journal holds every
   * commit since, so replaying it in order rebuilds the last commit whatever the file kept.
   */
  @Test
  void storeFileLosingItsUnsyncedWrites_isRebuiltFromTheJournal() throws IOException {
    JournaledVolume v = withBase();
    v.close(); // checkpoint: this is what the disk holds for sure
    byte[] checkpointed = Files.readAllBytes(file);
    v = open();
    for (int i = 0; i < 5; i++) {
      v.putLong(8L * i, i + 1000L);
      v.putInt(2L * JournaledVolume.PAGE + 4L * i, i);
      v.sync();
    }
    change(v);
    v.sync();
    byte[] committed = new byte[(int) v.length()];
    v.getData(0, committed, 0, committed.length);
    v.closeAsIfKilled();
    byte[] journalBytes = Files.readAllBytes(journal);
    assertTrue(journalBytes.length > 0);
    for (int lost = 0; lost < 3; lost++) {
      byte[] disk = Files.readAllBytes(file);
      if (lost == 1) {
        disk = checkpointed; // every write since the checkpoint lost
      } else if (lost == 2) {
        System.arraycopy(checkpointed, JournaledVolume.PAGE, disk, JournaledVolume.PAGE, 2 * JournaledVolume.PAGE); // some lost
      }
      Files.write(file, disk);
      Files.write(journal, journalBytes);
      JournaledVolume r = open();
      byte[] got = new byte[committed.length];
      r.getData(0, got, 0, got.length);
      assertArrayEquals(committed, got, "lost variant " + lost);
      r.close();
    }
  }

  @Test
  void closeWithoutSync_discardsTheWrites() throws IOException {
    JournaledVolume v = withBase();
    byte[] before = Files.readAllBytes(file);
    change(v);
    v.close();
    assertArrayEquals(before, Files.readAllBytes(file));
  }

  /** A crash after the journal is durable, after 0, 1, … ranges were copied: reopening completes it. */
  @Test
  void crashWhileCopying_isCompletedOnOpen() throws IOException {
    byte[] want = expected();
    for (int crashAfter = 0; crashAfter < 4; crashAfter++) { // the change makes 4 ranges
      TempFiles.deleteStore(dir.resolve("v.db"));
      JournaledVolume v = withBase();
      change(v);
      v.crashAfterRanges = crashAfter;
      assertThrows(IllegalStateException.class, v::sync);
      v.close();
      assertTrue(Files.size(journal) > 0, "the journal survived the crash");
      JournaledVolume reopened = open();
      assertEquals(0, Files.size(journal), "recovery empties the journal");
      byte[] got = new byte[want.length];
      reopened.getData(0, got, 0, got.length);
      assertArrayEquals(want, got, "crash after " + crashAfter + " ranges");
      reopened.close();
      // recovering twice is harmless
      JournaledVolume again = open();
      again.getData(0, got, 0, got.length);
      assertArrayEquals(want, got);
      again.close();
    }
  }

  /** A journal cut short (the crash came while writing it) was never the commit point: discarded. */
  @Test
  void incompleteOrDamagedJournal_isDiscarded() throws IOException {
    JournaledVolume v = withBase();
    byte[] before = Files.readAllBytes(file);
    change(v);
    v.crashAfterRanges = 0;
    assertThrows(IllegalStateException.class, v::sync);
    v.close();
    byte[] complete = Files.readAllBytes(journal);
    for (int cut : new int[] {0, 3, 40, complete.length / 2, complete.length - 1}) {
      // a crash while writing the journal comes before the store file is touched at all
      Files.write(file, before);
      Files.write(journal, Arrays.copyOf(complete, cut));
      open().close();
      assertArrayEquals(before, Files.readAllBytes(file), "journal cut at " + cut);
      assertEquals(0, Files.size(journal));
    }
    byte[] damaged = complete.clone();
    damaged[damaged.length / 2] ^= 1;
    Files.write(file, before);
    Files.write(journal, damaged);
    open().close();
    assertArrayEquals(before, Files.readAllBytes(file), "a damaged journal is not applied");
  }

  @Test
  void journalOfAnotherFileState_isRefused() throws IOException {
    JournaledVolume v = withBase();
    change(v);
    v.crashAfterRanges = 0;
    assertThrows(IllegalStateException.class, v::sync);
    v.close();
    byte[] other = Files.readAllBytes(file);
    other[0] ^= 1; // page 0 is neither the state before nor after the journal's commit
    Files.write(file, other);
    StorageException e = assertThrows(StorageException.class, this::open);
    assertTrue(e.getMessage().contains(journal.getFileName().toString()), e.getMessage());
    assertArrayEquals(other, Files.readAllBytes(file), "nothing applied");
    assertTrue(Files.size(journal) > 0, "the journal is kept for inspection");
  }
}
