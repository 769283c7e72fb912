package io.spaceduck.storage.mapdb;

import io.spaceduck.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.mapdb.DB;
import org.mapdb.DataIO;
import org.mapdb.Serializer;
import org.mapdb.StoreWAL;
import org.mapdb.volume.ByteArrayVol;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.Volume;
import org.mapdb.volume.VolumeFactory;

/**
 * One store file, opened exclusively: the checks before MapDB sees the file, the lock, atomic
 * creation and the MapDB {@link DB} over a journaled volume.
 *
 * <p><b>Exclusivity.</b> A store is held by one {@code StoreFile} in one process. Within the JVM a
 * registry of open paths refuses a second open before any file is touched; across processes an OS
 * lock on the sidecar {@code <file>.lock} does. The sidecar (not the store file) carries the lock
 * because POSIX releases every lock a process holds on a file when <em>any</em> descriptor of that file
 * is closed — reading the store file's header must not unlock it. The registry is the one piece of
 * static state in this module: OS file locks are per process, so their bookkeeping must be too.
 *
 * <p><b>Atomic commits, no leaked channels.</b> This class builds the store {@code
 * DBMaker.fileDB(file).transactionEnable().make()} builds — a {@link StoreWAL} with DBMaker's default
 * settings — but through its own {@link VolumeFactory}: the store file gets a {@link JournaledVolume}
 * (MapDB 3.1.0 never replays its write-ahead log, so its commits are not atomic on their own), and
 * every volume is remembered so that a failed open closes them all (MapDB leaves its file open, with
 * its in-JVM lock, when {@code DBMaker...make()} fails).
 *
 * <p><b>Creation.</b> A new store is built under {@code <file>.creating}, committed, closed and then
 * renamed into place, so a crash during creation never leaves a half-initialised file at the store
 * path. An existing, non-empty file is never replaced. Not thread-safe; {@link MapDbStorage} serialises
 * its use.
 */
final class StoreFile {
  private static final Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  /** MapDB's header: {@code CC.FILE_HEADER} then {@code CC.FILE_TYPE_STOREDIRECT}. */
  private static final int HEADER_MAGIC = 0x4A;

  private static final int HEADER_STORE_TYPE = 3;

  private final Path path;
  private final DB db;
  private final JournaledVolume volume;
  private final FileChannel lockChannel;
  private final StoreVolumes volumes;
  private boolean closed;

  private StoreFile(Path path, DB db, JournaledVolume volume, FileChannel lockChannel, StoreVolumes volumes) {
    this.path = path;
    this.db = db;
    this.volume = volume;
    this.lockChannel = lockChannel;
    this.volumes = volumes;
  }

  /** The canonical path of the store file. */
  Path path() {
    return path;
  }

  DB db() {
    return db;
  }

  /** The store file's journaled volume: how far a failed commit got ({@link JournaledVolume#progress()}). */
  JournaledVolume volume() {
    return volume;
  }

  /** Volumes the factory still remembers (tests: none once the store is open, however many commits). */
  int trackedVolumes() {
    return volumes.tracked();
  }

  /**
   * Opens or creates the store at {@code requested}.
   *
   * @throws StorageException naming the file if it cannot be opened exclusively as a Space Duck store
   */
  static StoreFile open(Path requested) {
    Path abs = requested.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    if (parent == null || abs.getFileName() == null) {
      throw refuse(abs, "is not a file path");
    }
    if (Files.isDirectory(abs)) {
      throw refuse(abs, "is a directory; name a store file inside it, e.g. " + abs.resolve("spaceduck.db"));
    }
    if (!Files.isDirectory(parent)) {
      throw refuse(abs, "cannot be created: directory " + parent + " does not exist");
    }
    Path path;
    try {
      path = Files.exists(abs) ? abs.toRealPath() : parent.toRealPath().resolve(abs.getFileName());
    } catch (IOException e) {
      throw refuse(abs, "cannot be resolved (" + e + ")", e);
    }
    if (Files.exists(path) && !Files.isRegularFile(path)) {
      throw refuse(path, "is not a regular file");
    }
    // first, so that this JVM never opens (and, closing, unlocks) a file it already holds
    if (!OPEN_IN_THIS_JVM.add(path)) {
      throw refuse(path, "is already open in this JVM; a store is exclusive to one engine (share the open Storage)");
    }
    FileChannel lockChannel = null;
    DB db = null;
    try {
      if (Files.exists(path) && Files.size(path) > 0) {
        checkHeader(path); // before the lock: a foreign file gets no lock file beside it
      }
      lockChannel = lock(path);
      if (!Files.isWritable(path.getParent())) {
        throw refuse(path, "cannot be used: directory " + path.getParent() + " is not writable (the store keeps its journal and lock file there)");
      }
      if (!Files.exists(path) || Files.size(path) == 0) {
        create(path);
      } else {
        checkHeader(path); // again, now that we hold the lock
      }
      if (!Files.isWritable(path)) {
        throw refuse(path, "is not writable");
      }
      StoreVolumes volumes = new StoreVolumes(path.toString());
      db = openDb(path, volumes);
      checkFormat(path, db);
      return new StoreFile(path, db, Objects.requireNonNull(volumes.journaled, "the store volume"), lockChannel, volumes);
    } catch (RuntimeException | IOException | Error e) {
      // close what this attempt opened: MapDB's volumes, then the lock
      if (db != null) {
        closeQuietly(db, e);
      }
      if (lockChannel != null) {
        try {
          lockChannel.close(); // releases the lock
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      OPEN_IN_THIS_JVM.remove(path);
      if (e instanceof StorageException se) {
        throw se;
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw refuse(path, "cannot be opened: corrupt, truncated or not a MapDB store (" + e + ")", e);
    }
  }

  private static FileChannel lock(Path path) {
    Path lockFile = sibling(path, ".lock");
    FileChannel ch;
    try {
      ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (AccessDeniedException e) {
      throw refuse(path, "cannot be locked: permission denied on " + lockFile + " (the directory must be writable)", e);
    } catch (IOException e) {
      throw refuse(path, "cannot be locked: " + lockFile + " cannot be created (" + e + ")", e);
    }
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException | IOException e) {
      lock = null;
    }
    if (lock == null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing was locked through this channel
      }
      throw refuse(path, "is open in another process (" + lockFile + " is locked); a store is exclusive to one process");
    }
    return ch;
  }

  private static void checkHeader(Path path) throws IOException {
    byte[] header;
    long size;
    try (InputStream in = Files.newInputStream(path)) {
      header = in.readNBytes(16);
      size = Files.size(path);
    }
    if (header.length < 16 || header[0] != HEADER_MAGIC || header[1] != HEADER_STORE_TYPE) {
      throw refuse(
          path,
          "is not a MapDB store file (" + size + " bytes, unknown header); refusing to open or overwrite it");
    }
  }

  /** Builds a new store under a temporary name and renames it into place. */
  private static void create(Path path) throws IOException {
    List<Path> strayLogs = new ArrayList<>(walFiles(path));
    Path journal = JournaledVolume.journalOf(path);
    if (Files.exists(journal) && Files.size(journal) > 0) {
      strayLogs.add(journal);
    }
    if (!strayLogs.isEmpty()) {
      throw refuse(
          path,
          "is missing or empty but its log files exist " + strayLogs
              + "; refusing to create a new store over them (restore the store file from a backup)");
    }
    Path temp = sibling(path, ".creating");
    // leftovers of a creation that crashed: ours by name, and we hold the lock
    Files.deleteIfExists(temp);
    Files.deleteIfExists(JournaledVolume.journalOf(temp));
    for (Path wal : walFiles(temp)) {
      Files.deleteIfExists(wal);
    }
    DB db = openDb(temp, new StoreVolumes(temp.toString()));
    try {
      db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).create()
          .put(Layout.META_FORMAT_VERSION, Integer.toString(Layout.FORMAT_VERSION));
      db.treeMap(Layout.ROWS, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).create();
      db.treeSet(Layout.INDEX, Serializer.CHAR_ARRAY).create();
      db.treeMap(Layout.AUDIT, Serializer.LONG, Serializer.BYTE_ARRAY).create();
      db.treeMap(Layout.PULSE_LATEST, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).create();
      db.treeMap(Layout.PULSE_HISTORY, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).create();
      db.commit();
    } finally {
      db.close();
    }
    Files.deleteIfExists(JournaledVolume.journalOf(temp)); // empty after a clean close
    Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(path.getParent());
  }

  /**
   * The names every store holds (format 1 and later); format 3 adds {@link Layout#AUDIT_TREE}, which
   * format 4 no longer needs (a file upgraded from 3 keeps the name, emptied).
   */
  static Set<String> expectedNames() {
    return new HashSet<>(
        Set.of(Layout.META, Layout.ROWS, Layout.INDEX, Layout.AUDIT, Layout.PULSE_LATEST, Layout.PULSE_HISTORY));
  }

  /** The names a store of format {@code version} holds. */
  static Set<String> expectedNames(int version) {
    Set<String> names = expectedNames();
    if (version == 3) {
      names.add(Layout.AUDIT_TREE);
    }
    return names;
  }

  private static void checkFormat(Path path, DB db) {
    if (!db.exists(Layout.META)) {
      throw refuse(path, "is a MapDB file but not a Space Duck store (no " + Layout.META + ")");
    }
    String version = db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).open().get(Layout.META_FORMAT_VERSION);
    int v;
    try {
      v = version == null ? -1 : Integer.parseInt(version);
    } catch (NumberFormatException e) {
      v = -1;
    }
    if (v < 1) {
      throw refuse(path, "is corrupt or not a Space Duck store (format version " + version + ")");
    }
    if (v > Layout.FORMAT_VERSION) {
      throw refuse(
          path,
          "has store format version " + v + ", newer than this engine reads (up to " + Layout.FORMAT_VERSION
              + "); open it with the Space Duck release that wrote it or a later one (docs/storage.md, Upgrades)");
    }
    Set<String> missing = expectedNames(v);
    db.getAllNames().forEach(missing::remove);
    if (!missing.isEmpty()) {
      throw refuse(path, "is corrupt: format " + v + " store without " + new java.util.TreeSet<>(missing));
    }
  }

  /**
   * What {@code DBMaker.fileDB(file).transactionEnable().make()} builds — a {@link StoreWAL} with
   * DBMaker 3.1.0's default settings — but over {@link StoreVolumes}: the store file journaled, the
   * transaction's scratch log in memory, and every volume tracked so that a failed open closes them.
   */
  private static DB openDb(Path file, StoreVolumes volumes) {
    String name = file.toString();
    try {
      boolean exists = volumes.exists(name);
      StoreWAL store =
          StoreWAL.Companion.make(
              name,
              volumes,
              0L, // fileLockWait: fail at once (our own lock is held already)
              true, // thread-safe
              DataIO.shift(DataIO.nextPowTwo(8)), // DBMaker's default concurrency scale
              0L, // allocateIncrement: default
              0L, // allocateStartSize: default
              false, // fileDeleteAfterClose
              false, // fileDeleteAfterOpen
              false, // checksum of every record: off (DBMaker default)
              true, // header checksum: on (DBMaker default)
              false); // never bypass a broken header checksum
      DB db = new DB(store, exists, true, StoreFile.class.getClassLoader(), 0);
      // open: from here on MapDB closes its own volumes (db.close()); tracking them any longer would
      // keep every per-commit scratch volume reachable for the life of the store (a leak per commit)
      volumes.opened();
      return db;
    } catch (RuntimeException | Error e) {
      volumes.closeAll(e);
      throw e;
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can sync a directory; the rename itself is atomic
    }
  }

  static Path sibling(Path path, String suffix) {
    return path.resolveSibling(path.getFileName() + suffix);
  }

  /** MapDB's write-ahead log files of {@code path}: {@code <file>.wal.<n>}. */
  static List<Path> walFiles(Path path) throws IOException {
    String prefix = path.getFileName() + ".wal.";
    try (Stream<Path> s = Files.list(path.getParent())) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
    }
  }

  static StorageException refuse(Path path, String why) {
    return new StorageException("MapDB store " + path + " " + why);
  }

  static StorageException refuse(Path path, String why, Throwable cause) {
    return new StorageException("MapDB store " + path + " " + why, cause);
  }

  private static void closeQuietly(DB db, Throwable primary) {
    try {
      db.close();
    } catch (RuntimeException e) {
      primary.addSuppressed(e);
    }
  }

  /** Closes MapDB, then releases the lock. Idempotent. */
  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failure = null;
    try {
      db.close();
    } catch (RuntimeException e) {
      failure = refuse(path, "did not close cleanly (" + e + ")", e);
    } finally {
      try {
        lockChannel.close();
      } catch (IOException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        }
      }
      OPEN_IN_THIS_JVM.remove(path);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * The volumes of one store: the store file through a {@link JournaledVolume} (atomic commits), and
   * MapDB's write-ahead log in memory — MapDB 3.1.0 only uses that log as scratch space for a
   * transaction's records until commit and never replays it, so it need not be a file. Until the
   * store is open ({@link #opened()}) it remembers every volume it makes so that a failed open can
   * close them; after that it remembers none — MapDB makes a scratch volume for every commit.
   */
  static final class StoreVolumes extends VolumeFactory {
    private final String storeFile;
    private final List<Volume> opened = new ArrayList<>();
    private boolean tracking = true;
    private @Nullable JournaledVolume journaled;

    StoreVolumes(String storeFile) {
      this.storeFile = storeFile;
    }

    @Override
    public synchronized Volume makeVolume(
        @Nullable String file, boolean readOnly, long fileLockWait, int sliceShift, long initSize, boolean fixedSize) {
      if (!storeFile.equals(file)) {
        Volume scratch = ByteArrayVol.FACTORY.makeVolume(null, false, 0L, sliceShift, 0L, false);
        if (tracking) {
          opened.add(scratch);
        }
        return scratch;
      }
      Volume raw = RandomAccessFileVol.FACTORY.makeVolume(file, readOnly, fileLockWait, sliceShift, initSize, fixedSize);
      opened.add(raw);
      JournaledVolume v = JournaledVolume.open(raw, JournaledVolume.journalOf(Path.of(storeFile)));
      opened.add(v);
      journaled = v;
      return v;
    }

    @Override
    public boolean exists(@Nullable String file) {
      return storeFile.equals(file) && RandomAccessFileVol.FACTORY.exists(file);
    }

    @Override
    public boolean handlesReadonly() {
      return false;
    }

    /** The store is open: MapDB owns its volumes now; forget them and track no more. */
    synchronized void opened() {
      tracking = false;
      opened.clear();
    }

    /** How many volumes are remembered for closing after a failed open (tests). */
    synchronized int tracked() {
      return opened.size();
    }

    synchronized void closeAll(Throwable primary) {
      for (Volume v : opened) {
        try {
          v.close();
        } catch (RuntimeException e) {
          primary.addSuppressed(e);
        }
      }
      opened.clear();
    }
  }
}
