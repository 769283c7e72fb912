package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spaceduck.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.Volume;

/**
 * Fuzz target (docs/fuzzing.md): the MapDB journal replay ({@link JournaledVolume#open}) on truncated
 * and garbled journals. Every input is replayed against the same store file (three pages of fixed
 * content, {@link #BASE}). The first input byte picks the mode: even, the rest is the journal as found
 * on disk; odd, the rest is one entry without its checksum and end marker, which the harness appends
 * (so the fuzzer explores entries that pass the CRC, as a journal written by a buggy or hostile
 * writer would).
 *
 * <p>The contract: open either refuses with a {@link StorageException} naming the journal (a journal of
 * another file state) and changes nothing, or succeeds with the journal emptied and the store file
 * equal to what an independent reading of the documented format gives: the complete entries up to the
 * first torn or damaged one applied in order, nothing if the journal belongs to no state of the file.
 * Never another exception, an {@link OutOfMemoryError}, a hang, or a partly applied entry.
 */
class JournalReplayFuzzTest {
  static final int PAGE = JournaledVolume.PAGE;
  static final byte[] BASE = base();
  /** Entries whose file length is beyond this are out of the oracle's reach (see {@link #expected}). */
  static final long MAX_MODELLED_LENGTH = 1L << 20;
  private static Path dir;

  static byte[] base() {
    byte[] b = new byte[3 * PAGE];
    new Random(1).nextBytes(b);
    return b;
  }

  private static synchronized Path dir() throws IOException {
    if (dir == null) {
      dir = Files.createTempDirectory("journal-fuzz");
    }
    return dir;
  }

  @AfterAll
  static void cleanUp() throws IOException {
    if (dir != null) {
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  @FuzzTest
  void replayAppliesCompleteEntriesOrRefuses(byte[] data) throws IOException {
    if (data.length == 0) {
      return;
    }
    byte[] journal = Arrays.copyOfRange(data, 1, data.length);
    if ((data[0] & 1) == 1) {
      journal = sealed(journal);
    }
    Path file = dir().resolve("store.db");
    Path jpath = JournaledVolume.journalOf(file);
    Files.write(file, BASE);
    Files.write(jpath, journal);
    byte[] expected = expected(journal);
    Volume raw = RandomAccessFileVol.FACTORY.makeVolume(file.toString(), false, 0L, 20, 0L, false);
    JournaledVolume v;
    try {
      v = JournaledVolume.open(raw, jpath);
    } catch (StorageException refused) {
      raw.close();
      assertArrayEquals(BASE, Files.readAllBytes(file), "a refused journal changed the store file");
      assertEquals(true, refused.getMessage().contains(jpath.toString()), refused.getMessage());
      assertArrayEquals(journal, Files.readAllBytes(jpath), "a refused journal is kept for inspection");
      return;
    }
    v.close();
    assertEquals(0, Files.size(jpath), "the journal is emptied after replay");
    if (expected == null) {
      return; // an entry that grows the file past what the oracle models (MAX_MODELLED_LENGTH): opened, not checked
    }
    byte[] actual = Files.readAllBytes(file);
    assertArrayEquals(expected, Arrays.copyOf(actual, expected.length), "replayed store file");
    for (int i = expected.length; i < actual.length; i++) {
      assertEquals(0, actual[i], "bytes past the replayed length are zero");
    }
  }

  /** The entry with its CRC32C and end marker appended. */
  static byte[] sealed(byte[] entry) {
    CRC32C crc = new CRC32C();
    crc.update(entry);
    return ByteBuffer.allocate(entry.length + 8).put(entry).putInt((int) crc.getValue())
        .put("SDJE".getBytes(StandardCharsets.US_ASCII)).array();
  }

  private record Entry(long length, byte[] base, byte[] next, List<long[]> ranges, List<byte[]> bytes) {}

  /**
   * The store file after replay, read from the format documented in {@link JournaledVolume} (written
   * here again, not taken from the class under test): {@code null} if an entry's length is beyond
   * {@link #MAX_MODELLED_LENGTH}; {@link #BASE} unchanged when no entry parses or none belongs to it.
   */
  static byte[] expected(byte[] journal) {
    List<Entry> entries = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(journal);
    while (in.hasRemaining()) {
      Entry e = parse(journal, in);
      if (e == null) {
        break;
      }
      entries.add(e);
    }
    if (entries.isEmpty()) {
      return BASE;
    }
    byte[] head = sha256(Arrays.copyOf(BASE, PAGE));
    boolean known = Arrays.equals(head, entries.get(0).base());
    for (Entry e : entries) {
      known |= Arrays.equals(head, e.next());
    }
    if (!known) {
      return BASE; // refused: the caller expects the file unchanged either way
    }
    byte[] out = BASE.clone();
    for (Entry e : entries) {
      long end = e.length();
      for (int i = 0; i < e.ranges().size(); i++) {
        end = Math.max(end, e.ranges().get(i)[0] + e.bytes().get(i).length);
      }
      if (end > MAX_MODELLED_LENGTH) {
        return null;
      }
      if (end > out.length) {
        out = Arrays.copyOf(out, (int) end);
      }
      for (int i = 0; i < e.ranges().size(); i++) {
        byte[] b = e.bytes().get(i);
        System.arraycopy(b, 0, out, (int) e.ranges().get(i)[0], b.length);
      }
    }
    return out;
  }

  private static Entry parse(byte[] all, ByteBuffer in) {
    int start = in.position();
    try {
      byte[] magic = new byte[4];
      in.get(magic);
      if (!Arrays.equals(magic, "SDJ1".getBytes(StandardCharsets.US_ASCII))) {
        return null;
      }
      long length = in.getLong();
      byte[] base = new byte[32];
      in.get(base);
      byte[] next = new byte[32];
      in.get(next);
      int n = in.getInt();
      if (n < 0 || length < 0) {
        return null;
      }
      List<long[]> ranges = new ArrayList<>();
      List<byte[]> bytes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long offset = in.getLong();
        int len = in.getInt();
        if (offset < 0 || len < 0 || len > PAGE || len > in.remaining()) {
          return null;
        }
        byte[] r = new byte[len];
        in.get(r);
        ranges.add(new long[] {offset});
        bytes.add(r);
      }
      int end = in.position();
      int crc = in.getInt();
      byte[] mark = new byte[4];
      in.get(mark);
      CRC32C c = new CRC32C();
      c.update(all, start, end - start);
      if ((int) c.getValue() != crc || !Arrays.equals(mark, "SDJE".getBytes(StandardCharsets.US_ASCII))) {
        return null;
      }
      return new Entry(length, base, next, ranges, bytes);
    } catch (java.nio.BufferUnderflowException e) {
      return null;
    }
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }
}
