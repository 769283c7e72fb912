package io.spaceduck.storage.mapdb;

import io.spaceduck.storage.StorageException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.mapdb.DBException;
import org.mapdb.DataIO;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/**
 * The store file's volume, with atomic, durable commits. MapDB 3.1.0's {@code StoreWAL} writes its
 * write-ahead log at commit but never replays it on open (its constructor does not read it), and then
 * updates the store file in place: a process killed during those in-place writes leaves a torn file
 * that no longer opens — the crash test showed it within twenty kills. This volume puts a redo journal
 * under MapDB instead:
 *
 * <ol>
 *   <li>Every write is held in memory, per 4 KiB page (reads see it), until {@link #sync()} — which
 *       {@code StoreWAL} calls exactly once per commit.
 *   <li>{@code sync()} appends the changed byte ranges of every page to {@code <file>.journal} as one
 *       entry with a CRC32C and an end marker, and fsyncs the journal: this is the commit point, and the
 *       commit's only fsync.
 *   <li>It then writes the same ranges into the store file, without waiting for the disk.
 *   <li>Every {@value #CHECKPOINT_BYTES} bytes of journal, and at a clean close, a checkpoint fsyncs the
 *       store file and empties the journal.
 * </ol>
 *
 * <p>On open, the complete entries of the journal are applied again, in order, and a torn last entry
 * (a crash while appending it: never acknowledged, never copied) is dropped; then a checkpoint empties
 * the journal. Entries hold absolute byte ranges, so applying one again is harmless, and whatever mix of
 * copied and lost writes the store file holds after a power loss, replaying from the last checkpoint
 * gives the state of the last complete entry. An entry names the store header it starts from and
 * the one it leaves (SHA-256 of page 0); a journal none of whose states matches the file — a stale
 * journal beside a restored backup — is refused, not applied. Emptying the journal needs no fsync of
 * its own: the next commit's fsync of the journal makes the new (shorter) length durable before that
 * commit touches the store file, and until then a surviving old journal only replays what the file
 * already holds.
 *
 * <p>After a failed {@code sync} the volume keeps its journal: closing it then skips the checkpoint, so
 * the next open completes the commit. {@link #progress()} tells the store how far a failed commit got —
 * before the fsync (not applied), in it (unknown) or past it (durable) — so that it tells its callers
 * the truth. Thread-safe (every method synchronised, as MapDB's own {@code
 * RandomAccessFileVol}).
 */
final class JournaledVolume extends Volume {
  static final int PAGE = 4096;

  /** Journal size that triggers a checkpoint (fsync of the store file, empty journal). */
  static final long CHECKPOINT_BYTES = 8L << 20;
  private static final byte[] MAGIC = "SDJ1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "SDJE".getBytes(StandardCharsets.US_ASCII);

  private final Volume file;
  private final Path journalPath;
  private final FileChannel journal;
  private final Map<Long, Page> dirty = new HashMap<>();
  private long pendingLength;
  /** The store file's length; only this volume changes it, so it is read from the file once. */
  private long fileLength;
  private long journalSize;
  private boolean failed;

  /**
   * Fault injection for tests: {@link #sync()} stops with an exception once the journal is durable and
   * this many ranges have reached the store file (a crash at that point). Negative: off.
   */
  volatile int crashAfterRanges = -1;

  /** Fault injection for tests: the next journal fsync fails (as an fsync error would) instead of running. */
  volatile boolean failNextForce;

  /** Fault injection for tests: the next checkpoint's fsync of the store file fails instead of running. */
  volatile boolean failNextCheckpoint;

  /** Journal fsyncs begun: a commit whose entry was written in full and whose fsync was then called. */
  private long forcesBegun;

  /** Journal fsyncs that returned: commits past their commit point, durable. */
  private long commitPoints;

  /**
   * How far the commits of this volume got, for telling a caller the truth after a failed commit: a
   * commit that failed before {@link #forcesBegun} advanced was not applied (its journal entry is torn
   * or absent, and recovery drops it); one whose fsync began but did not return has an unknown outcome
   * (an fsync error leaves the entry's bytes in the page cache, where the next open may or may not find
   * them); one past {@link #commitPoints} is durable — the next open replays it whatever failed after.
   */
  record Progress(long forcesBegun, long commitPoints) {}

  /** The counters of {@link Progress}, read together. */
  synchronized Progress progress() {
    return new Progress(forcesBegun, commitPoints);
  }

  /** The checkpoint threshold; tests lower it. */
  long checkpointBytes = CHECKPOINT_BYTES;

  /** A page image with the span of it that changed. */
  private static final class Page {
    final byte[] data = new byte[PAGE];
    int from = PAGE;
    int to;

    void touch(int start, int end) {
      from = Math.min(from, start);
      to = Math.max(to, end);
    }
  }

  private JournaledVolume(Volume file, Path journalPath, FileChannel journal) {
    this.file = file;
    this.journalPath = journalPath;
    this.journal = journal;
    this.fileLength = file.length();
  }

  /**
   * Wraps the store file's volume, first applying or discarding what a crash left in the journal.
   *
   * @throws StorageException if the journal is complete but belongs to another state of the file
   * @throws UncheckedIOException if the journal cannot be read or written
   */
  static JournaledVolume open(Volume file, Path journalPath) {
    try {
      boolean existed = Files.exists(journalPath);
      FileChannel ch =
          FileChannel.open(journalPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        if (!existed) {
          syncDirectory(journalPath.getParent());
        }
        recover(file, journalPath, ch);
        return new JournaledVolume(file, journalPath, ch);
      } catch (RuntimeException | IOException e) {
        ch.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("journal " + journalPath + ": " + e.getMessage(), e);
    }
  }

  /** The journal file of a store file. */
  static Path journalOf(Path storeFile) {
    return storeFile.resolveSibling(storeFile.getFileName() + ".journal");
  }

  /**
   * The longest store file a journal may name (8 TiB): half of ext4's largest file, far beyond any store
   * this engine makes. A longer one is damage or a journal that is not ours.
   */
  static final long MAX_FILE_LENGTH = 1L << 43;

  private static void recover(Volume file, Path journalPath, FileChannel ch) throws IOException {
    long size = ch.size();
    if (size == 0) {
      return;
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new StorageException("MapDB store " + file.getFile() + ": journal " + journalPath + " is too large (" + size + " bytes)");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) size);
    while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
      // read it all
    }
    List<Journal> entries = Journal.parseAll(Arrays.copyOf(buf.array(), buf.position()));
    if (!entries.isEmpty()) {
      byte[] head = headerHash(file);
      boolean known = Arrays.equals(head, entries.get(0).baseHeader);
      for (Journal j : entries) {
        known |= Arrays.equals(head, j.newHeader);
      }
      if (!known) {
        throw new StorageException(
            "MapDB store " + file.getFile() + " has a journal " + journalPath
                + " that belongs to another state of the file (a stale journal beside a restored copy?);"
                + " refusing to apply it. Move the journal away only if the store file is known good.");
      }
      // every entry is checked before the first write, so a journal refused here changes nothing: an
      // entry that passes its checksum (damage after the CRC, or a hostile writer) may still name a file
      // length or an offset no store reaches, which the file system would refuse halfway through
      for (Journal j : entries) {
        long end = j.length;
        for (Journal.Range r : j.ranges) {
          end = Math.max(end, r.offset + r.bytes.length); // offset >= 0, length <= PAGE: no overflow
        }
        if (end > MAX_FILE_LENGTH) {
          throw new StorageException(
              "MapDB store " + file.getFile() + ": journal " + journalPath + " names a file length of " + end
                  + " bytes, beyond the " + MAX_FILE_LENGTH + " a store may reach (damaged, or not written"
                  + " by this store); refusing to apply it");
        }
      }
      try {
        for (Journal j : entries) {
          file.ensureAvailable(j.length);
          for (Journal.Range r : j.ranges) {
            file.putData(r.offset, r.bytes, 0, r.bytes.length);
          }
        }
        file.sync();
      } catch (DBException e) { // the disk failed (full, I/O error): the journal stays for the next open
        throw new StorageException("MapDB store " + file.getFile() + ": cannot apply journal " + journalPath, e);
      }
    }
    // applied, or a torn append (never acknowledged, store file untouched): either way done with it
    ch.truncate(0);
    ch.force(true);
  }

  private static byte[] headerHash(Volume v) {
    byte[] page = new byte[PAGE];
    long n = Math.min(PAGE, v.length());
    if (n > 0) {
      v.getData(0, page, 0, (int) n);
    }
    return sha256(page);
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can sync a directory
    }
  }

  // ================================================================== writes, held until sync

  private Page page(long index) {
    Page p = dirty.get(index);
    if (p == null) {
      p = new Page();
      long start = index * PAGE;
      long available = Math.min(PAGE, fileLength - start);
      if (available > 0) {
        file.getData(start, p.data, 0, (int) available);
      }
      dirty.put(index, p);
    }
    return p;
  }

  @Override
  public synchronized void putData(long offset, byte[] src, int srcPos, int size) {
    int done = 0;
    while (done < size) {
      long at = offset + done;
      int inPage = (int) (at % PAGE);
      int n = Math.min(size - done, PAGE - inPage);
      Page p = page(at / PAGE);
      System.arraycopy(src, srcPos + done, p.data, inPage, n);
      p.touch(inPage, inPage + n);
      done += n;
    }
  }

  @Override
  public synchronized void putData(long offset, ByteBuffer buf) {
    byte[] b = new byte[buf.remaining()];
    buf.get(b);
    putData(offset, b, 0, b.length);
  }

  @Override
  public synchronized void putLong(long offset, long value) {
    byte[] b = new byte[8];
    DataIO.putLong(b, 0, value);
    putData(offset, b, 0, 8);
  }

  @Override
  public synchronized void putInt(long offset, int value) {
    byte[] b = new byte[4];
    DataIO.putInt(b, 0, value);
    putData(offset, b, 0, 4);
  }

  @Override
  public synchronized void putByte(long offset, byte value) {
    putData(offset, new byte[] {value}, 0, 1);
  }

  @Override
  public synchronized void clear(long startOffset, long endOffset) {
    byte[] zeros = new byte[PAGE];
    for (long at = startOffset; at < endOffset; ) {
      int n = (int) Math.min(PAGE, endOffset - at);
      putData(at, zeros, 0, n);
      at += n;
    }
  }

  @Override
  public synchronized void ensureAvailable(long offset) {
    pendingLength = Math.max(pendingLength, offset);
  }

  /** Not used by {@code StoreWAL} (it never shrinks the file); refused rather than made non-atomic. */
  @Override
  public void truncate(long size) {
    throw new UnsupportedOperationException("the journaled store volume does not shrink");
  }

  // ================================================================== reads, overlaid

  @Override
  public synchronized void getData(long offset, byte[] dst, int pos, int size) {
    if (dirty.isEmpty() && offset + size <= fileLength) {
      file.getData(offset, dst, pos, size);
      return;
    }
    int done = 0;
    while (done < size) {
      long at = offset + done;
      int inPage = (int) (at % PAGE);
      int n = Math.min(size - done, PAGE - inPage);
      Page p = dirty.get(at / PAGE);
      if (p != null) {
        System.arraycopy(p.data, inPage, dst, pos + done, n);
      } else {
        int fromFile = (int) Math.max(0, Math.min(n, fileLength - at));
        if (fromFile > 0) {
          file.getData(at, dst, pos + done, fromFile);
        }
        Arrays.fill(dst, pos + done + fromFile, pos + done + n, (byte) 0);
      }
      done += n;
    }
  }

  @Override
  public synchronized long getLong(long offset) {
    byte[] b = new byte[8];
    getData(offset, b, 0, 8);
    return DataIO.getLong(b, 0);
  }

  @Override
  public synchronized int getInt(long offset) {
    byte[] b = new byte[4];
    getData(offset, b, 0, 4);
    return DataIO.getInt(b, 0);
  }

  @Override
  public synchronized byte getByte(long offset) {
    byte[] b = new byte[1];
    getData(offset, b, 0, 1);
    return b[0];
  }

  @Override
  public synchronized DataInput2 getDataInput(long offset, int size) {
    byte[] b = new byte[size];
    getData(offset, b, 0, size);
    return new DataInput2.ByteArray(b);
  }

  @Override
  public synchronized long length() {
    return Math.max(fileLength, pendingLength);
  }

  // ================================================================== the atomic commit

  /**
   * Makes every held write durable, atomically: one journal entry and its fsync (the commit point),
   * then the copy into the store file; a checkpoint every {@value #CHECKPOINT_BYTES} journal bytes.
   */
  @Override
  public synchronized void sync() {
    long newLength = length();
    if (dirty.isEmpty() && newLength <= fileLength) {
      return;
    }
    List<Long> pages = new ArrayList<>(dirty.keySet());
    pages.sort(null);
    try {
      failed = true; // until the copy is complete: close must leave the journal for recovery
      byte[] base = headerHash(file);
      Page zero = dirty.get(0L);
      byte[] next = zero == null ? base : sha256(zero.data);
      byte[] entry = Journal.encode(newLength, base, next, pages, dirty);
      ByteBuffer buf = ByteBuffer.wrap(entry);
      while (buf.hasRemaining()) {
        journal.write(buf, journalSize + buf.position());
      }
      journalSize += entry.length; // written: the next entry goes after it even if the fsync fails
      forcesBegun++;
      if (failNextForce) {
        failNextForce = false;
        throw new IOException("injected fsync failure");
      }
      journal.force(false); // the commit point (fdatasync also makes the new length durable)
      commitPoints++;
      file.ensureAvailable(newLength);
      fileLength = file.length();
      int applied = 0;
      for (long index : pages) {
        Page p = dirty.get(index);
        if (p.to > p.from) {
          if (applied++ == crashAfterRanges) {
            throw new IllegalStateException("injected crash after " + crashAfterRanges + " ranges");
          }
          file.putData(index * PAGE + p.from, p.data, p.from, p.to - p.from);
        }
      }
      dirty.clear();
      pendingLength = 0;
      failed = false;
      if (journalSize >= checkpointBytes) {
        checkpoint();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("journal " + journalPath + ": " + e.getMessage(), e);
    }
  }

  /** Makes the store file hold every journaled commit durably, then empties the journal. */
  private void checkpoint() throws IOException {
    failed = true;
    if (failNextCheckpoint) {
      failNextCheckpoint = false;
      throw new IOException("injected store-file fsync failure");
    }
    file.sync();
    journal.truncate(0);
    journalSize = 0;
    failed = false;
  }

  /** For tests: bytes in the journal since the last checkpoint. */
  synchronized long journalSize() {
    return journalSize;
  }

  /** For tests: closes as a killed process would, without the checkpoint. */
  synchronized void closeAsIfKilled() {
    failed = true;
    close();
  }

  /** Checkpoints (unless a commit failed half-way: then the journal stays for recovery) and closes. */
  @Override
  public synchronized void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    dirty.clear(); // writes never synced were never committed
    try {
      if (!failed && journalSize > 0) {
        checkpoint();
      }
    } catch (IOException | RuntimeException e) {
      // the journal is complete on disk: the next open recovers from it
    } finally {
      try {
        journal.close();
      } catch (IOException e) {
        // nothing to lose: what the journal holds is on disk or was never acknowledged
      }
      file.close();
    }
  }

  @Override
  public int sliceSize() {
    return file.sliceSize();
  }

  @Override
  public boolean isSliced() {
    return file.isSliced();
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public File getFile() {
    return file.getFile();
  }

  @Override
  public boolean getFileLocked() {
    return file.getFileLocked();
  }

  /** The journal's bytes: one commit's changed ranges. */
  static final class Journal {
    record Range(long offset, byte[] bytes) {}

    final long length;
    final byte[] baseHeader;
    final byte[] newHeader;
    final List<Range> ranges;

    private Journal(long length, byte[] baseHeader, byte[] newHeader, List<Range> ranges) {
      this.length = length;
      this.baseHeader = baseHeader;
      this.newHeader = newHeader;
      this.ranges = ranges;
    }

    /**
     * One journal entry (a journal is a sequence of them):
     *
     * <pre>
     * "SDJ1" | u64 file length | 32 bytes SHA-256(page 0 before) | 32 bytes SHA-256(page 0 after)
     * | u32 n | n × (u64 offset | u32 length | bytes) | u32 CRC32C of the entry so far | "SDJE"
     * </pre>
     */
    static byte[] encode(long length, byte[] base, byte[] next, List<Long> pages, Map<Long, Page> dirty) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + pages.size() * 256);
      DataOutputStream out = new DataOutputStream(bytes);
      out.write(MAGIC);
      out.writeLong(length);
      out.write(base);
      out.write(next);
      int n = 0;
      for (long index : pages) {
        Page p = dirty.get(index);
        if (p.to > p.from) {
          n++;
        }
      }
      out.writeInt(n);
      for (long index : pages) {
        Page p = dirty.get(index);
        if (p.to > p.from) {
          out.writeLong(index * PAGE + p.from);
          out.writeInt(p.to - p.from);
          out.write(p.data, p.from, p.to - p.from);
        }
      }
      out.flush();
      CRC32C crc = new CRC32C();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
      out.write(END);
      out.flush();
      return bytes.toByteArray();
    }

    /** The complete entries of a journal, in order, up to the first torn or damaged one. */
    static List<Journal> parseAll(byte[] b) {
      List<Journal> out = new ArrayList<>();
      ByteBuffer in = ByteBuffer.wrap(b);
      while (in.hasRemaining()) {
        Journal j = parse(b, in);
        if (j == null) {
          break;
        }
        out.add(j);
      }
      return out;
    }

    /** The entry at {@code in}'s position, or null if it is incomplete or damaged (a commit that never finished). */
    private static Journal parse(byte[] b, ByteBuffer in) {
      int start = in.position();
      try {
        byte[] magic = new byte[4];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
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
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          long offset = in.getLong();
          int len = in.getInt();
          if (offset < 0 || len < 0 || len > PAGE || len > in.remaining()) {
            return null;
          }
          byte[] r = new byte[len];
          in.get(r);
          ranges.add(new Range(offset, r));
        }
        int end = in.position();
        int crc = in.getInt();
        byte[] endMark = new byte[4];
        in.get(endMark);
        CRC32C c = new CRC32C();
        c.update(b, start, end - start);
        if ((int) c.getValue() != crc || !Arrays.equals(endMark, END)) {
          return null;
        }
        return new Journal(length, base, next, ranges);
      } catch (RuntimeException e) { // BufferUnderflowException: cut short
        return null;
      }
    }
  }
}
