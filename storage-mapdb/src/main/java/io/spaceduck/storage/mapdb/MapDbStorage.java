package io.spaceduck.storage.mapdb;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Bond;
import io.spaceduck.api.Hash;
import io.spaceduck.api.Identity;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.AuthenticationRows;
import io.spaceduck.storage.BufferedTransaction;
import io.spaceduck.storage.Codecs;
import io.spaceduck.storage.CommittedView;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.WriteSet;
import java.nio.file.Path;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

/**
 * The embedded default store: one MapDB 3.1.0 file with a commit journal, exclusive to one process. Open it with {@link #open(Path)} or by URI {@code mapdb:/path/to/store.db} through {@link
 * io.spaceduck.storage.Storages}; see {@code docs/storage.md}.
 *
 * <h2>How a unit commits</h2>
 *
 * MapDB has one global transaction per file and no isolation, so units never write to it directly.
 * A unit runs on the caller's thread against a {@link BufferedTransaction} whose reads see committed
 * state; its {@link WriteSet} then goes to the store's single writer thread. The writer takes every
 * queued unit and pulse (up to {@value #MAX_BATCH}), and for each unit in turn validates its
 * conditions, links its audit drafts after the current head ({@link AuditChain#link}) and encodes
 * every row and event — all before touching MapDB, so a unit that conflicts or fails to encode fails
 * alone and nothing needs rolling back. Valid units are applied one at a time under a write lock
 * that every read takes as a read lock, so no reader sees half a unit. Then one {@code db.commit()}
 * (one fsync of the journal, see {@link JournaledVolume}) makes the whole batch durable, and only
 * then do the callers' {@code execute}/{@code recordPulse} calls return (group commit).
 *
 * <p><b>Reads see only durable state.</b> MapDB has no isolation: an applied unit is visible in MapDB
 * before its batch's commit point. So while a batch is in flight the writer keeps an {@link UndoLog}
 * per collection — the value each changed key had when the batch began — and every read (including the
 * reads inside units) lays it over MapDB; audit reads stop at the durable head. When the batch is
 * durable the writer clears the logs under the write lock (the whole batch appears at once), and only
 * then are its callers told. With no batch in flight a read costs one emptiness check more than a plain
 * MapDB read. The writer alone validates units against the applied state, so units of one batch see
 * the units before them, as in a serial run.
 *
 * <p><b>The record cache.</b> Up to {@code cacheSize} decoded rows ({@link Versioned} values, keyed by
 * table and primary key) are kept in a Caffeine cache, so that a hot read skips MapDB's B-tree walk
 * and the record codec. It is exactly coherent with what is durable, by three rules:
 *
 * <ol>
 *   <li><b>Fill under the read lock.</b> A reader that misses takes the read lock, reads the durable row
 *       (MapDB with the undo logs laid over it) and puts the decoded row into the cache <em>before it
 *       releases the lock</em>. Durable state changes only in {@link #publish}, under the write lock, so
 *       between that read and that put the durable row cannot change: what a reader puts is the durable
 *       value at the moment of the put. This is what stops the classic race of a read-through cache — a
 *       reader that read the old row, is descheduled, and puts the old row back after the writer
 *       invalidated it: here the writer cannot invalidate (publish) while such a reader is between its
 *       read and its put, so no put can carry a value older than the last publish. No versions or
 *       generations are needed.
 *   <li><b>Invalidate at publish.</b> {@link #publish} removes the entry of every row the durable batch
 *       wrote (inserted, updated or deleted), under the write lock, after the batch's journal fsync
 *       returned and before any of its callers is told. Rows a unit did not write keep their entries,
 *       which are still the durable values. A batch that fails is never published: the store closes
 *       (every later read fails {@link #checkOpen}) and its rows never reached the cache, which only
 *       ever holds durable values. A new store object starts with an empty cache, after the journal
 *       replay and the format upgrade of {@link #open}.
 *   <li><b>Hits without the lock.</b> A hit reads the cache without the read lock (one
 *       {@code ConcurrentHashMap} read, linearizable). It returns the entry of a key either before
 *       publish removed it — the batch's commit is not yet reported to anyone, so the read is ordered
 *       before the commit — or a value put after, which rule 1 makes the new durable value. The commit's
 *       point, as readers see it, is the release of publish's write lock: every old value is read
 *       before it, every new one after it, and the writer's callers hear of the commit only after it. So
 *       a call that starts after {@code execute} returned, on any thread, sees the unit (I3).
 * </ol>
 *
 * Negative entries (a key with no row) live in a second, smaller cache ({@code cacheSize / 10}, at
 * least 1): filled and dropped exactly like rows (rules 1–3: filled under the read lock, dropped at
 * publish with the rows a batch wrote — an insert drops the "no row" entry of its key), so they are
 * as coherent, and a flood of unknown keys evicts only other negative entries, never a live row. They
 * serve the lookups that find nothing on every call — a duckling's authentication reads a decoy bond
 * row that never exists (K6), and an unknown key id reads no key row. {@code findBy} reads the index from MapDB and each listed
 * row through the cache, under the read lock (so rules 1 and 2 cover it). The units the writer
 * validates read MapDB as applied ({@code AppliedView}), never the cache. {@code cacheSize} 0 turns
 * the cache off; see {@code docs/storage.md} for its heap cost.
 *
 * <p><b>The authentication chain cache.</b> {@link #authenticationRows} is served from whole chains — a
 * key id's key, identity and bond rows in one entry ({@link AuthenticationChains}, {@code cacheSize / 3}
 * entries) — filled under the read lock from the durable view (so through the record cache), dropped at
 * publish for a written key row and outdated by a generation for a written identity or bond row: the
 * same three rules. Off with {@code cacheSize} 0.
 *
 * <p><b>The tree node cache.</b> Up to {@value #NODE_CACHE_SIZE} audit tree nodes ({@link
 * #auditSubtree}) are kept decoded too. A node never changes once the events under it are durable (the
 * log is append-only and the file has one process), and only such nodes are cached, so this cache needs
 * no invalidation. Proofs and checkpoints read one node per level; the upper levels, shared by every
 * proof, stay in it, so a proof over a million events reads only its lowest levels from MapDB. Off with
 * {@code cacheSize} 0, like the record cache.
 *
 * <p><b>Failure.</b> If MapDB or the disk fails while applying or committing a batch, the store closes
 * itself (fail closed) and tells each caller of the batch what is true, by how far the commit got
 * ({@link JournaledVolume.Progress}): before the journal fsync, {@link StorageException} — not applied;
 * the fsync itself failing, {@link StorageOutcomeUnknownException}; after it (copying pages, a
 * checkpoint), the call returns normally — the batch is durable and reopening the file replays it.
 *
 * <p><b>Security.</b> The store holds what the engine gives it: hashes, ciphertexts and non-secret
 * records, never a raw secret (I8). Error messages name the file, never record contents.
 *
 * <p>Thread-safe. {@link #close()} is idempotent; it lets queued units finish, then releases the file.
 */
public final class MapDbStorage implements Storage {
  /** Decoded rows the cache holds when the opener names no size: see {@code docs/storage.md}. */
  public static final int DEFAULT_CACHE_SIZE = 100_000;

  /** The most tasks (units, pulses, sweeps) one commit covers. */
  static final int MAX_BATCH = 10_000;

  private final StoreFile file;
  private final String where;
  private final DB db;
  private final BTreeMap<String, String> meta;
  private final Set<Table<?>> tables = Set.copyOf(Tables.ALL);
  private final BTreeMap<char[], byte[]> rows;
  private final NavigableSet<char[]> index;

  /**
   * The audit events, each record followed by the audit tree's nodes its leaf completes ({@link
   * AuditCodec#record}): the nodes are written with their events, in the same commit, into the same
   * B-tree. A record never changes once written, so readers need no undo log for it: they read only
   * events (and so nodes) at or below the durable head.
   */
  private final BTreeMap<Long, byte[]> audit;
  private final BTreeMap<char[], byte[]> pulseLatest;
  private final BTreeMap<char[], byte[]> pulseHistory;

  private final JournaledVolume volume;

  /** Decoded durable rows; null when the cache is off. Coherence: see the class comment. */
  private final @Nullable Cache<RowId, Versioned<?>> cache;

  /** Keys known to have no durable row; null when the cache is off. Coherence: as {@link #cache}. */
  private final @Nullable Cache<RowId, Boolean> absent;
  /** Tree nodes by (level, index): see the class comment. ≈ 150 bytes each, so ≈ 2.5 MB when full. */
  static final int NODE_CACHE_SIZE = 16_384;

  private record NodeKey(int level, long index) {}

  private final @Nullable Cache<NodeKey, Hash> nodes;

  /** Whole authentication chains; null when the cache is off. Coherence: see {@link AuthenticationChains}. */
  private final @Nullable AuthenticationChains chains;

  private final int cacheSize;

  /** A cache key: a table and a primary key (tables are compared by identity, one object per table). */
  private record RowId(Table<?> table, String key) {}

  /** The rows the batch in flight wrote; publish invalidates them. Writer only. */
  private final List<RowId> written = new ArrayList<>();

  /**
   * Readers hold it shared; the writer holds it exclusively while it applies one unit, pulse or sweep
   * (so no reader sees half of one) and while it publishes a durable batch (clears the undo logs).
   */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** The durable values of what the batch in flight changed, per collection; see {@link UndoLog}. */
  private final UndoLog rowsUndo = new UndoLog();

  private final UndoLog indexUndo = new UndoLog();
  private final UndoLog latestUndo = new UndoLog();
  private final UndoLog historyUndo = new UndoLog();

  /** MapDB as the writer has applied it, durable or not: what units are validated against. Writer only. */
  private final CommittedView applied = new AppliedView();

  /** Durable state only, for readers holding the read lock. */
  private final CommittedView durable = new DurableView();

  private final CommittedView locked = new LockedView();

  private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final Object submitLock = new Object();
  private final Thread writer;
  private boolean closed; // guarded by submitLock
  private volatile boolean open = true;
  private volatile @Nullable Throwable failure;

  /** The newest applied event, durable or not: the writer links the next unit's events after it. Writer only. */
  private @Nullable AuditHead head;

  /** The right edge of the audit tree as applied (its size is {@link #head}'s seq). Writer only. */
  private TreeEdge edge;

  /**
   * The newest durable event, published with its batch; audit readers read up to it without the lock
   * (events up to it are durable and never change).
   */
  private volatile @Nullable AuditHead durableHead;

  private long pulseCounter; // writer thread only

  /** How far the volume's commits had got when the running batch began; see {@link #outcomeOf}. Writer only. */
  private JournaledVolume.Progress batchStart;

  /**
   * Fault injection for tests: runs on the writer thread just before each {@code db.commit()} — after
   * the batch is applied, before its commit point.
   */
  volatile Runnable beforeCommit = () -> {};

  /**
   * Seam for tests: runs on a reader that missed the cache, after it read the row from MapDB and before
   * it puts the row into the cache — while it holds the read lock (rule 1 of the class comment).
   */
  volatile Runnable betweenReadAndFill = () -> {};

  /** Seam for tests: the writer stores zero hashes as the tree nodes (as a damaged or edited file would hold). */
  volatile boolean wrongTreeNodes;

  /** For tests: whether the writer thread waits for the lock (readers hold it). */
  boolean writerWaitsForLock() {
    return lock.hasQueuedThread(writer);
  }

  /** Volumes MapDB's volume factory still remembers: none once the store is open (tests). */
  int trackedVolumes() {
    return file.trackedVolumes();
  }

  /** For tests: the store file's journaled volume (its fault injection). */
  JournaledVolume volume() {
    return volume;
  }

  /** The most decoded rows the record cache holds; 0 when it is off. */
  public int cacheSize() {
    return cacheSize;
  }

  /** How many decoded rows the record cache holds now (after its pending maintenance); for monitoring. */
  public long cachedRows() {
    if (cache == null) {
      return 0;
    }
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** For tests: tasks waiting for the writer. */
  int queued() {
    return queue.size();
  }

  private MapDbStorage(StoreFile file, int cacheSize) {
    this.file = file;
    this.cacheSize = cacheSize;
    this.cache =
        cacheSize == 0
            ? null
            // maintenance on the calling thread: no work is handed to ForkJoinPool.commonPool
            : Caffeine.newBuilder().maximumSize(cacheSize).executor(Runnable::run).build();
    this.absent =
        cacheSize == 0 ? null : Caffeine.newBuilder().maximumSize(Math.max(1, cacheSize / 10)).executor(Runnable::run).build();
    this.nodes = cacheSize == 0 ? null : Caffeine.newBuilder().maximumSize(NODE_CACHE_SIZE).executor(Runnable::run).build();
    this.chains = cacheSize == 0 ? null : new AuthenticationChains(AuthenticationChains.sizeFor(cacheSize));
    this.where = file.path().toString();
    this.db = file.db();
    this.meta = db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).open();
    this.rows = db.treeMap(Layout.ROWS, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).open();
    this.index = db.treeSet(Layout.INDEX, Serializer.CHAR_ARRAY).open();
    this.audit = db.treeMap(Layout.AUDIT, Serializer.LONG, Serializer.BYTE_ARRAY).open();
    this.pulseLatest = db.treeMap(Layout.PULSE_LATEST, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).open();
    this.pulseHistory = db.treeMap(Layout.PULSE_HISTORY, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).open();
    this.volume = file.volume();
    upgradeFormat();
    this.head = loadHead();
    this.edge = loadTree(head);
    this.durableHead = head;
    this.pulseCounter = loadPulseCounter();
    this.batchStart = volume.progress();
    this.writer = new Thread(this::writeLoop, "spaceduck-mapdb-writer[" + file.path().getFileName() + "]");
    writer.setDaemon(true); // a store the host forgot to close must not keep the JVM alive
    writer.start();
  }

  /**
   * Opens the store file at {@code file}, creating a new store if the file does not exist or is empty.
   * The directory must exist and be writable (the store keeps its journal and lock file beside it).
   *
   * @throws StorageException naming the file if it is a directory, unwritable, not a MapDB file,
   *     corrupt or truncated, of a newer format version, or already open — in this JVM or another
   *     process. A failed open leaves no file open and never replaces an existing file.
   */
  public static MapDbStorage open(Path file) {
    return open(file, DEFAULT_CACHE_SIZE);
  }

  /**
   * As {@link #open(Path)}, with a cache of at most {@code cacheSize} decoded rows (0: no cache).
   *
   * @throws IllegalArgumentException if {@code cacheSize} is negative
   */
  public static MapDbStorage open(Path file, int cacheSize) {
    Objects.requireNonNull(file, "file");
    if (cacheSize < 0) {
      throw new IllegalArgumentException("cacheSize >= 0");
    }
    StoreFile f = StoreFile.open(file);
    try {
      return new MapDbStorage(f, cacheSize);
    } catch (RuntimeException | Error e) {
      try {
        f.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof StorageException se) {
        throw se;
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw StoreFile.refuse(f.path(), "cannot be opened: corrupt (" + e + ")", e);
    }
  }

  /** Upgrades an older store to {@link Layout#FORMAT_VERSION}, one format at a time, before the writer starts. */
  private void upgradeFormat() {
    if ("1".equals(meta.get(Layout.META_FORMAT_VERSION))) {
      addHatchIndexEntries();
    }
    String v = meta.get(Layout.META_FORMAT_VERSION);
    if ("2".equals(v) || "3".equals(v)) {
      // format 4 first: from this commit on an older engine refuses the file, half-upgraded or not
      meta.put(Layout.META_FORMAT_VERSION, Integer.toString(Layout.FORMAT_VERSION));
      meta.put(Layout.META_TREE_UPGRADE, "0");
      db.commit();
    }
    if (meta.containsKey(Layout.META_TREE_UPGRADE)) {
      addTreeNodesToEvents();
    }
  }

  /** Events per commit of {@link #addTreeNodesToEvents}: bounds the journal entry and the heap it needs. */
  static final int UPGRADE_CHUNK = 4096;

  /**
   * Format 2 or 3 to 4: rewrites every stored event's record with the tree nodes it completes ({@link
   * AuditCodec#record}), computed from the events' hashes, {@value #UPGRADE_CHUNK} events per commit, and
   * empties format 3's {@value Layout#AUDIT_TREE} as it goes. Each commit records in {@link
   * Layout#META_TREE_UPGRADE} how far the records carry their nodes, so a crash leaves a (format-4) file
   * whose next open resumes after the last committed chunk; the key goes in the last commit. The file
   * lock keeps every other writer out.
   */
  private void addTreeNodesToEvents() {
    String progress = meta.get(Layout.META_TREE_UPGRADE);
    long done;
    try {
      done = Long.parseLong(Objects.requireNonNull(progress));
    } catch (NumberFormatException e) {
      throw StoreFile.refuse(file.path(), "is corrupt (tree upgrade progress " + progress + ")", e);
    }
    Long lastSeq = audit.isEmpty() ? null : audit.lastKey();
    long size = lastSeq == null ? 0 : lastSeq;
    if (done < 0 || done > size) {
      throw StoreFile.refuse(file.path(), "is corrupt (tree upgrade progress " + progress + " of " + size + " events)");
    }
    TreeEdge upgraded = loadEdge(done); // the records up to `done` carry their nodes already
    BTreeMap<Long, byte[]> oldTree =
        db.exists(Layout.AUDIT_TREE) ? db.treeMap(Layout.AUDIT_TREE, Serializer.LONG, Serializer.BYTE_ARRAY).open() : null;
    while (done < size) {
      long to = Math.min(size, done + UPGRADE_CHUNK);
      List<Map.Entry<Long, byte[]>> chunk = new ArrayList<>(audit.subMap(done + 1, true, to, true).entrySet());
      long expected = done + 1;
      for (Map.Entry<Long, byte[]> e : chunk) {
        if (e.getKey() != expected) {
          break;
        }
        byte[] event = e.getValue(); // format 2/3: the encoding alone
        Hash[] nodes = upgraded.append(AuditCodec.decode(expected, event, where).hash());
        audit.put(expected, AuditCodec.record(event, nodes));
        expected++;
      }
      if (expected != to + 1) {
        throw StoreFile.refuse(file.path(), "is corrupt: audit event " + expected + " is missing");
      }
      if (oldTree != null) { // format 3's nodes of these leaves (and of any before them) are in the records now
        new ArrayList<>(oldTree.headMap(Layout.treeNodes(to), false).keySet()).forEach(oldTree::remove);
      }
      meta.put(Layout.META_TREE_UPGRADE, Long.toString(to));
      db.commit();
      done = to;
    }
    while (oldTree != null && !oldTree.isEmpty()) { // nodes beyond the log, if a damaged file had any
      List<Long> keys = new ArrayList<>(UPGRADE_CHUNK);
      for (Iterator<Long> it = oldTree.keySet().iterator(); it.hasNext() && keys.size() < UPGRADE_CHUNK; ) {
        keys.add(it.next());
      }
      keys.forEach(oldTree::remove);
      db.commit();
    }
    meta.remove(Layout.META_TREE_UPGRADE);
    db.commit();
  }

  /**
   * The right edge of the stored tree, checked against the log: the nodes the last event completes must
   * be those its leaf and the edge before it give. A node is written in the record of the event that
   * completes it, so only a damaged or edited file fails this.
   */
  private TreeEdge loadTree(@Nullable AuditHead h) {
    if (h == null) {
      return new TreeEdge();
    }
    long size = h.seq();
    TreeEdge e = loadEdge(size - 1);
    Hash[] expected = e.append(h.hash());
    byte[] last = Objects.requireNonNull(audit.get(size)); // loadHead decoded it
    for (int level = 1; level <= expected.length; level++) {
      if (!expected[level - 1].equals(AuditCodec.node(size, last, level, where))) {
        throw StoreFile.refuse(
            file.path(),
            "is corrupt: its audit tree does not match its audit log (node (" + level + ", " + ((size >> level) - 1)
                + ") stored with event " + size + ")");
      }
    }
    return e;
  }

  /** The right edge of the tree of the first {@code size} events, from their records (at most 63 reads). */
  private TreeEdge loadEdge(long size) {
    return TreeEdge.load(size, this::storedNode);
  }

  /**
   * A stored node, read from the record of the event that completed it; a leaf from its event's hash.
   * The record is decoded whole either way (a few microseconds beside the B-tree read), so a damaged
   * record is a {@link io.spaceduck.storage.CorruptAuditEventException} naming its seq, never a node cut
   * from the wrong bytes. The caller makes sure that event is stored (at or below the head it reads up to).
   */
  private Hash storedNode(int level, long index) {
    long seq = Layout.completingSeq(level, index);
    byte[] r = seq < 1 ? null : audit.get(seq);
    if (r == null) {
      throw new StorageException(
          "MapDB store " + where + " is corrupt: audit event " + seq + " (tree node (" + level + ", " + index + ")) is missing");
    }
    AuditEvent e = AuditCodec.decodeRecord(seq, r, where);
    return level == 0 ? AuditTree.leafHash(e.hash()) : AuditCodec.node(seq, r, level, where);
  }

  /**
   * Format 1 to 2: adds the index entries of every stored pending hatch for the hatch indexes that
   * format 2 added, and records format 2 — in one commit (the file lock keeps every other writer out).
   * A crash before the commit leaves a format-1 file that the next open upgrades again.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void addHatchIndexEntries() {
    Table table = Tables.HATCHES;
    String group = new String(Layout.prefix(table.name()));
    for (Map.Entry<char[], byte[]> e :
        rows.subMap(Layout.prefix(table.name()), true, Layout.prefixEnd(table.name()), false).entrySet()) {
      String key = new String(e.getKey()).substring(group.length());
      Object value = table.codec().decode(Layout.rowBody(e.getValue()));
      for (Object o : table.indexes()) {
        Index idx = (Index) o;
        ((Optional<String>) idx.keyOf(value)).ifPresent(k -> index.add(Layout.indexEntry(idx, k, key)));
      }
    }
    meta.put(Layout.META_FORMAT_VERSION, "2");
    db.commit();
  }

  private @Nullable AuditHead loadHead() {
    Map.Entry<Long, byte[]> last = audit.lastEntry();
    String stored = meta.get(Layout.META_AUDIT_HEAD);
    AuditHead h = last == null ? null : AuditCodec.decodeRecord(last.getKey(), last.getValue(), where).head();
    String actual = h == null ? null : h.toString();
    if (!Objects.equals(stored, actual)) {
      throw StoreFile.refuse(
          file.path(), "is corrupt: the recorded audit head (" + stored + ") is not the last stored event (" + actual + ")");
    }
    return h;
  }

  private long loadPulseCounter() {
    String c = meta.get(Layout.META_PULSE_COUNTER);
    try {
      return c == null ? 0 : Long.parseLong(c);
    } catch (NumberFormatException e) {
      throw StoreFile.refuse(file.path(), "is corrupt (pulse counter " + c + ")", e);
    }
  }

  /** The canonical path of the store file. */
  public Path path() {
    return file.path();
  }

  @Override
  public String describe() {
    return "mapdb:" + where;
  }

  private void checkOpen() {
    if (!open) {
      Throwable f = failure;
      throw f == null
          ? new StorageException("MapDB store " + where + " is closed")
          : new StorageException("MapDB store " + where + " closed itself after a failure", f);
    }
  }

  // ================================================================== units

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    Objects.requireNonNull(unit, "unit");
    checkOpen();
    BufferedTransaction tx = new BufferedTransaction(locked);
    T result = unit.run(tx);
    WriteSet ws = tx.writeSet();
    if (ws.isEmpty()) {
      // read conditions only: check them against one consistent state; nothing to make durable
      read(() -> ws.validate(durable));
      return result;
    }
    await(submit(new UnitTask(ws, new CompletableFuture<>())));
    return result;
  }

  @Override
  public void recordPulse(Pulse pulse) {
    Objects.requireNonNull(pulse, "pulse");
    checkOpen();
    byte[] bytes = Codecs.PULSE.encode(pulse); // a pulse that cannot be encoded fails here, alone
    await(submit(new PulseTask(pulse, bytes, new CompletableFuture<>())));
  }

  @Override
  public int deletePulsesBefore(Instant cutoff) {
    Objects.requireNonNull(cutoff, "cutoff");
    checkOpen();
    return await(submit(new SweepTask(cutoff, new CompletableFuture<>())));
  }

  private <R> CompletableFuture<R> submit(Task task) {
    synchronized (submitLock) {
      if (closed) {
        checkOpen();
        throw new StorageException("MapDB store " + where + " is closed");
      }
      queue.add(task);
    }
    @SuppressWarnings("unchecked")
    CompletableFuture<R> done = (CompletableFuture<R>) task.done();
    return done;
  }

  /** Waits, uninterruptibly: returning early would hide whether the unit committed. */
  private static <R> R await(CompletableFuture<R> done) {
    try {
      return done.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new StorageException("unit failed", cause);
    }
  }

  // ================================================================== the writer

  private sealed interface Task permits UnitTask, PulseTask, SweepTask, Stop {
    CompletableFuture<?> done();
  }

  private record UnitTask(WriteSet writes, CompletableFuture<Void> done) implements Task {}

  private record PulseTask(Pulse pulse, byte[] bytes, CompletableFuture<Void> done) implements Task {}

  private record SweepTask(Instant cutoff, CompletableFuture<Integer> done) implements Task {}

  private record Stop(CompletableFuture<Void> done) implements Task {}

  /** A completion to deliver once the batch is durable. */
  private record Ack(CompletableFuture<Object> done, @Nullable Object value) {}

  private void writeLoop() {
    List<Task> batch = new ArrayList<>();
    boolean stop = false;
    while (!stop) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        continue; // only close() ends the writer
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      try {
        stop = runBatch(batch);
      } catch (RuntimeException | Error e) {
        // a bug in the writer must not leave callers waiting forever: fail closed, and since it is a bug,
        // claim nothing past what the volume shows (a commit that got as far as its fsync: unknown)
        Outcome o = outcomeOf(e);
        failClosed(e, o == Outcome.COMMITTED ? Outcome.UNKNOWN : o, List.of(), batch);
        stop = true;
      }
      batch.clear();
    }
  }

  /** What a caller is told when a batch fails; see {@link #outcomeOf}. */
  private enum Outcome {
    /** The failure came before the commit point: nothing of the batch is in the journal. */
    NOT_APPLIED,
    /** The journal fsync was called and did not return: the batch may or may not survive. */
    UNKNOWN,
    /** The journal fsync returned: the batch is durable and the next open replays it. */
    COMMITTED
  }

  /**
   * How far the running batch got before {@code failure}, judged by the volume's own counters (never by
   * the exception, which MapDB may wrap): before the journal's fsync was called, nothing is on disk and
   * recovery drops a torn entry — not applied; once the fsync was called but did not return, the entry
   * may be on disk or not (an fsync error leaves its bytes in the page cache, where the next open finds
   * them unless the machine loses them first) — unknown; once it returned, the batch is durable and every
   * later failure (copying pages into the store file, a checkpoint) is repaired by the next open, which
   * replays the journal — committed, exactly as if the process had been killed at that moment.
   */
  private Outcome outcomeOf(Throwable failure) {
    JournaledVolume.Progress now;
    try {
      now = volume.progress();
    } catch (RuntimeException | Error e) {
      failure.addSuppressed(e);
      return Outcome.UNKNOWN;
    }
    if (now.commitPoints() > batchStart.commitPoints()) {
      return Outcome.COMMITTED;
    }
    return now.forcesBegun() > batchStart.forcesBegun() ? Outcome.UNKNOWN : Outcome.NOT_APPLIED;
  }

  /** Applies and commits one batch; returns whether the writer must stop. */
  @SuppressWarnings("unchecked")
  private boolean runBatch(List<Task> batch) {
    batchStart = volume.progress();
    written.clear();
    List<Ack> acks = new ArrayList<>(batch.size());
    boolean stop = false;
    boolean audited = false;
    boolean pulsed = false;
    boolean wrote = false;
    Throwable fatal = null;
    for (Task task : batch) {
      if (task instanceof Stop s) {
        stop = true;
        acks.add(new Ack((CompletableFuture<Object>) (CompletableFuture<?>) s.done(), null));
        continue;
      }
      Prepared p = null;
      if (task instanceof UnitTask u) {
        try {
          p = prepare(u.writes());
        } catch (RuntimeException | Error e) {
          u.done().completeExceptionally(e); // conflict, encoding failure: this unit alone, nothing applied
          continue;
        }
      }
      try {
        wrote = true;
        Object value = null;
        if (task instanceof UnitTask) {
          apply(p);
          written.addAll(p.written());
          audited |= !p.events().isEmpty();
        } else if (task instanceof PulseTask pt) {
          applyPulse(pt);
          pulsed = true;
        } else if (task instanceof SweepTask st) {
          value = sweep(st.cutoff());
        }
        acks.add(new Ack((CompletableFuture<Object>) task.done(), value));
      } catch (RuntimeException | Error e) {
        // MapDB failed half-way through a unit: its transaction holds part of it and has no
        // per-unit rollback, so nothing of this batch may commit
        acks.add(new Ack((CompletableFuture<Object>) task.done(), null));
        fatal = e;
        break;
      }
    }
    if (fatal == null && wrote) { // a batch of failed units (or only a close) has nothing to commit
      try {
        if (audited) {
          AuditHead h = head;
          meta.put(Layout.META_AUDIT_HEAD, Objects.requireNonNull(h).toString());
        }
        if (pulsed) {
          meta.put(Layout.META_PULSE_COUNTER, Long.toString(pulseCounter));
        }
        beforeCommit.run();
        db.commit(); // the journal's fsync inside it is the commit point (JournaledVolume#sync)
      } catch (RuntimeException | Error e) {
        fatal = e;
      }
    }
    if (fatal != null) {
      failClosed(fatal, outcomeOf(fatal), acks, batch);
      return true;
    }
    publish(); // durable: readers may see it — before any caller hears "committed"
    for (Ack a : acks) {
      a.done().complete(a.value());
    }
    if (stop) {
      finishClose();
    }
    return stop;
  }

  /**
   * Shows a durable batch to readers, all of it at once: drops the cache entries of the rows it wrote,
   * forgets its undo logs, moves the audit head. Under the write lock, so that no reader is between its
   * read of a row and its put into the cache (see the class comment).
   */
  private void publish() {
    lock.writeLock().lock();
    try {
      if (cache != null && !written.isEmpty()) {
        cache.invalidateAll(written);
        Objects.requireNonNull(absent).invalidateAll(written);
        AuthenticationChains c = Objects.requireNonNull(chains);
        for (RowId id : written) {
          c.published(id.table(), id.key());
        }
      }
      written.clear();
      rowsUndo.clear();
      indexUndo.clear();
      latestUndo.clear();
      historyUndo.clear();
      durableHead = head;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The encoded effect of one valid unit. */
  private record Prepared(
      List<RowWrite> rows,
      List<RowId> written,
      List<IndexWrite> entries,
      List<AuditEvent> events,
      List<byte[]> records,
      @Nullable TreeEdge edge) {}

  private record RowWrite(char[] key, byte @Nullable [] row) {}

  private record IndexWrite(char[] entry, boolean add) {}

  /** Validates, links and encodes a unit without touching MapDB. Writer thread only. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Prepared prepare(WriteSet ws) {
    List<WriteSet.Change> changes = ws.validate(applied);
    List<RowWrite> writes = new ArrayList<>(changes.size());
    List<RowId> ids = new ArrayList<>(changes.size());
    List<IndexWrite> entries = new ArrayList<>();
    for (WriteSet.Change c : changes) {
      Table table = c.table();
      byte[] row = null;
      if (c.after().isPresent()) {
        Versioned<?> v = c.after().get();
        row = Layout.row(v.version(), table.codec().encode(table.cast(v.value())));
      }
      writes.add(new RowWrite(Layout.rowKey(known(table), c.key()), row));
      ids.add(new RowId(table, c.key()));
      for (Object o : table.indexes()) {
        Index idx = (Index) o;
        Optional<String> oldKey = c.before().flatMap(v -> idx.keyOf(v.value()));
        Optional<String> newKey = c.after().flatMap(v -> idx.keyOf(v.value()));
        if (oldKey.equals(newKey)) {
          continue;
        }
        oldKey.ifPresent(k -> entries.add(new IndexWrite(Layout.indexEntry(idx, k, c.key()), false)));
        newKey.ifPresent(k -> entries.add(new IndexWrite(Layout.indexEntry(idx, k, c.key()), true)));
      }
    }
    List<AuditDraft> drafts = ws.audits();
    List<AuditEvent> events = new ArrayList<>(drafts.size());
    List<byte[]> records = new ArrayList<>(drafts.size());
    AuditHead h = head;
    long seq = h == null ? 0 : h.seq();
    Hash prev = h == null ? Hash.ZERO : h.hash();
    // the edge as applied (the units before this one in the batch included); the unit's copy replaces it
    // when the unit is applied, so a unit that fails here leaves it untouched
    TreeEdge unitEdge = drafts.isEmpty() ? null : edge.copy();
    for (AuditDraft d : drafts) {
      AuditEvent e = AuditChain.link(d, ++seq, prev);
      byte[] encoded = AuditCodec.encode(e);
      Hash[] nodes = Objects.requireNonNull(unitEdge).append(e.hash());
      if (wrongTreeNodes) {
        Arrays.fill(nodes, Hash.ZERO);
      }
      events.add(e);
      records.add(AuditCodec.record(encoded, nodes));
      prev = e.hash();
    }
    return new Prepared(writes, ids, entries, events, records, unitEdge);
  }

  private void apply(Prepared p) {
    lock.writeLock().lock();
    try {
      // each change remembers the value it replaced: until the batch is durable, readers see that
      for (RowWrite r : p.rows()) {
        rowsUndo.changed(r.key(), r.row() == null ? rows.remove(r.key()) : rows.put(r.key(), r.row()));
      }
      for (IndexWrite w : p.entries()) {
        indexUndo.changedEntry(w.entry(), w.add(), w.add() ? index.add(w.entry()) : index.remove(w.entry()));
      }
      for (int i = 0; i < p.events().size(); i++) {
        AuditEvent e = p.events().get(i);
        audit.put(e.seq(), p.records().get(i));
      }
      if (!p.events().isEmpty()) {
        head = p.events().get(p.events().size() - 1).head();
        edge = Objects.requireNonNull(p.edge());
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void applyPulse(PulseTask t) {
    Pulse pulse = t.pulse();
    String agent = pulse.agent().value();
    lock.writeLock().lock();
    try {
      long counter = ++pulseCounter;
      char[] historyKey = Layout.pulseKey(agent, pulse.at(), counter);
      historyUndo.changed(historyKey, pulseHistory.put(historyKey, t.bytes()));
      char[] key = agent.toCharArray();
      byte[] old = pulseLatest.get(key);
      // as the reference store: a pulse replaces the latest unless it is strictly older
      if (old == null || !pulse.at().isBefore(Codecs.PULSE.decode(old).at())) {
        latestUndo.changed(key, pulseLatest.put(key, t.bytes()));
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private int sweep(Instant cutoff) {
    lock.writeLock().lock();
    try {
      int deleted = 0;
      for (char[] agentKey : pulseLatest.keySet()) {
        String agent = new String(agentKey);
        List<char[]> old =
            new ArrayList<>(
                pulseHistory.subMap(Layout.pulseOlderThan(agent, cutoff), true, Layout.prefixEnd(agent), false).keySet());
        for (char[] k : old) {
          historyUndo.changed(k, pulseHistory.remove(k));
        }
        deleted += old.size();
      }
      return deleted;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * The batch failed: close the store (fail closed), then tell each of its callers what is true —
   * {@code outcome} (see {@link #outcomeOf}). Tasks still queued were never taken: not applied.
   */
  private void failClosed(Throwable cause, Outcome outcome, List<Ack> acks, List<Task> batch) {
    StorageException notApplied =
        new StorageException("MapDB store " + where + " failed before its commit point; the action was not applied and the store closed", cause);
    synchronized (submitLock) {
      closed = true;
      failure = cause;
      open = false;
    }
    try {
      // before any caller hears of it: from now on every read fails, so a caller told "committed"
      // never reads the state from before its unit
      closeFile(); // the next open recovers the last commit: this batch too if it passed its commit point
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
    StorageException told =
        switch (outcome) {
          case NOT_APPLIED -> notApplied;
          case UNKNOWN -> new StorageOutcomeUnknownException(
              "MapDB store " + where + " failed while making its commit durable (journal fsync); whether the action"
                  + " was applied is unknown (the next open of the store shows it) and the store closed", cause);
          case COMMITTED -> null; // durable: the callers are told it committed
        };
    for (Ack a : acks) {
      if (told == null) {
        a.done().complete(a.value());
      } else {
        a.done().completeExceptionally(told);
      }
    }
    for (Task t : batch) {
      // done already unless MapDB failed applying an earlier unit (then this one never reached MapDB:
      // not applied) or the writer failed from a bug (then what the volume shows)
      t.done().completeExceptionally(told == null ? notApplied : told);
    }
    List<Task> rest = new ArrayList<>();
    queue.drainTo(rest);
    for (Task t : rest) {
      t.done().completeExceptionally(notApplied);
    }
  }

  private void finishClose() {
    List<Task> rest = new ArrayList<>();
    queue.drainTo(rest); // none: nothing is queued after close()
    StorageException closedEx = new StorageException("MapDB store " + where + " is closed");
    for (Task t : rest) {
      t.done().completeExceptionally(closedEx);
    }
  }

  private void closeFile() {
    lock.writeLock().lock();
    try {
      open = false;
      if (cache != null) {
        cache.invalidateAll(); // frees the heap; every read fails from now on anyway
        Objects.requireNonNull(absent).invalidateAll();
      }
      file.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Lets every unit and pulse submitted before it commit, then closes the file and releases the lock.
   * Idempotent; later calls fail with {@link StorageException}.
   */
  @Override
  public void close() {
    CompletableFuture<Void> stopped = null;
    synchronized (submitLock) {
      if (!closed) {
        closed = true;
        stopped = new CompletableFuture<>();
        queue.add(new Stop(stopped));
      }
    }
    if (Thread.currentThread() != writer) {
      boolean interrupted = false;
      while (writer.isAlive()) {
        try {
          writer.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    closeFile();
  }

  // ================================================================== reads

  private <R> R read(Supplier<R> reader) {
    lock.readLock().lock();
    try {
      checkOpen();
      return reader.get();
    } catch (StorageException | IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      checkOpen();
      throw new StorageException("MapDB store " + where + " read failed (" + e + ")", e);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(key, "key");
    if (cache != null) {
      checkOpen();
      RowId id = new RowId(known(table), key);
      Versioned<V> hit = cached(id);
      if (hit != null) {
        return Optional.of(hit); // without the lock: rule 3 of the class comment
      }
      if (Objects.requireNonNull(absent).getIfPresent(id) != null) {
        return Optional.empty(); // likewise
      }
    }
    return read(() -> durable.get(table, key));
  }

  /**
   * One lookup in the authentication chain cache ({@link AuthenticationChains}) when it hits; otherwise
   * the three reads under the read lock, which fill it. K6: every call, whether the key id exists or
   * not, first reads the decoy identity and its bond (or the decoy bond) — rows that are hot in every
   * cache — and then makes one chain lookup; a key id with no row has an entry of its own, so the
   * work's shape does not depend on existence.
   */
  @Override
  public AuthenticationRows authenticationRows(String keyId, String decoyIdentity, String decoyBond) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(decoyIdentity, "decoyIdentity");
    Objects.requireNonNull(decoyBond, "decoyBond");
    AuthenticationChains c = chains;
    if (c == null) {
      return Storage.super.authenticationRows(keyId, decoyIdentity, decoyBond);
    }
    checkOpen();
    Optional<Versioned<Identity>> identity = get(Tables.IDENTITIES, decoyIdentity);
    Optional<Versioned<Bond>> bond = get(Tables.BONDS, AuthenticationRows.bondRead(identity, decoyBond));
    AuthenticationRows decoys = new AuthenticationRows(Optional.empty(), identity, bond);
    AuthenticationRows hit = c.hit(keyId, decoyBond, decoys);
    return hit != null ? hit : read(() -> c.fill(keyId, decoyBond, decoys, durable));
  }

  /** For tests: the authentication chain cache, or null when the cache is off. */
  @Nullable AuthenticationChains chains() {
    return chains;
  }

  @SuppressWarnings("unchecked")
  private <V> @Nullable Versioned<V> cached(RowId id) {
    return (Versioned<V>) Objects.requireNonNull(cache).getIfPresent(id);
  }

  @Override
  public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
    Objects.requireNonNull(index, "index");
    Objects.requireNonNull(indexKey, "indexKey");
    return read(() -> durable.findBy(index, indexKey));
  }

  @Override
  public Optional<AuditHead> auditHead() {
    checkOpen();
    return Optional.ofNullable(durableHead);
  }

  /**
   * One point read of a stored node (never computed from the events): the record of the event that
   * completed it, seq {@code (index + 1) · 2^level}; a leaf ({@code level} 0) is the leaf hash of that
   * event's hash. A node is durable exactly when that event is: at or below the durable head.
   */
  @Override
  public Optional<Hash> auditSubtree(int level, long index) {
    checkOpen();
    long seq = Layout.completingSeq(level, index);
    if (seq < 1) {
      return Optional.empty();
    }
    return read(
        () -> {
          AuditHead h = durableHead;
          if (h == null || seq > h.seq()) { // a leaf of it is not yet durable
            return Optional.empty();
          }
          if (nodes == null) {
            return Optional.of(storedNode(level, index));
          }
          return Optional.of(nodes.get(new NodeKey(level, index), k -> storedNode(k.level(), k.index())));
        });
  }

  @Override
  public List<AuditEvent> auditRange(long fromSeq, int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    checkOpen();
    AuditHead h = durableHead; // events up to the durable head never change: read them without the lock
    long from = Math.max(1, fromSeq);
    if (h == null || limit == 0 || from > h.seq()) {
      return List.of();
    }
    long to = Math.min(h.seq(), from + (limit - 1L));
    return auditEvents(from, to, AuditFilter.ALL, limit);
  }

  @Override
  public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
    Objects.requireNonNull(filter, "filter");
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    checkOpen();
    AuditHead h = durableHead;
    long from = Math.max(1, afterSeq + (afterSeq == Long.MAX_VALUE ? 0 : 1));
    if (h == null || limit == 0 || afterSeq >= h.seq()) {
      return List.of();
    }
    return auditEvents(from, h.seq(), filter, limit);
  }

  private List<AuditEvent> auditEvents(long from, long to, AuditFilter filter, int limit) {
    List<AuditEvent> out = new ArrayList<>();
    try {
      for (Map.Entry<Long, byte[]> e : audit.subMap(from, true, to, true).entrySet()) {
        AuditEvent event = AuditCodec.decodeRecord(e.getKey(), e.getValue(), where);
        if (filter.matches(event)) {
          out.add(event);
          if (out.size() >= limit) {
            break;
          }
        }
      }
    } catch (StorageException e) {
      throw e;
    } catch (RuntimeException e) {
      checkOpen();
      throw new StorageException("MapDB store " + where + " audit read failed (" + e + ")", e);
    }
    return List.copyOf(out);
  }

  @Override
  public Optional<Pulse> latestPulse(AgentId agent) {
    Objects.requireNonNull(agent, "agent");
    return read(
        () -> {
          char[] key = agent.value().toCharArray();
          byte[] before = latestUndo.isEmpty() ? null : latestUndo.durable(key);
          byte[] b = before == null ? pulseLatest.get(key) : before == UndoLog.ABSENT ? null : before;
          return Optional.ofNullable(b).map(bytes -> decodePulse(agent, bytes));
        });
  }

  @Override
  public List<Pulse> pulseHistory(AgentId agent, int limit) {
    Objects.requireNonNull(agent, "agent");
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    return read(
        () -> {
          List<Pulse> out = new ArrayList<>();
          if (limit == 0) {
            return out;
          }
          String a = agent.value();
          char[] from = Layout.prefix(a);
          char[] to = Layout.prefixEnd(a);
          Iterator<Map.Entry<char[], byte[]>> history =
              historyUndo.durableRange(pulseHistory.subMap(from, true, to, false).entrySet().iterator(), from, to);
          while (history.hasNext()) {
            out.add(decodePulse(agent, history.next().getValue()));
            if (out.size() >= limit) {
              break;
            }
          }
          return List.copyOf(out);
        });
  }

  private <V> Table<V> known(Table<V> table) {
    if (!tables.contains(table)) {
      throw new IllegalArgumentException("unknown table " + table);
    }
    return table;
  }

  /**
   * MapDB as the writer has applied it, durable or not. Only the writer reads it: it validates each unit
   * against the state the units before it in the same batch left, as running them one after another
   * would.
   */
  private final class AppliedView implements CommittedView {
    @Override
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      byte[] row = rows.get(Layout.rowKey(known(table), key));
      return row == null ? Optional.empty() : Optional.of(decode(table, key, row));
    }

    @Override
    public <V> List<Versioned<V>> findBy(Index<V> idx, String indexKey) {
      Table<V> table = known(idx.table());
      char[] from = Layout.indexGroup(idx, indexKey);
      List<Versioned<V>> out = new ArrayList<>();
      for (char[] entry : index.subSet(from, true, Layout.indexGroupEnd(idx, indexKey), false)) {
        String key = Layout.primaryKeyOf(entry, from.length);
        byte[] row = rows.get(Layout.rowKey(table, key));
        if (row != null) {
          out.add(decode(table, key, row));
        }
      }
      return out;
    }
  }

  /**
   * Durable state only: MapDB with the batch in flight undone ({@link UndoLog}). For readers holding the
   * read lock, under which MapDB and the undo logs change together. While no batch is in flight (the
   * logs are empty) a read costs what a plain MapDB read costs plus one emptiness check.
   */
  private final class DurableView implements CommittedView {
    @Override
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      return Optional.ofNullable(durableRow(known(table), key));
    }

    /**
     * The durable row of {@code key}, through the cache: a miss reads MapDB and fills the cache — under
     * the read lock the caller holds, which is what keeps the fill coherent (rule 1 of the class comment).
     */
    private <V> @Nullable Versioned<V> durableRow(Table<V> table, String key) {
      if (cache == null) {
        byte[] row = row(Layout.rowKey(table, key));
        return row == null ? null : decode(table, key, row);
      }
      RowId id = new RowId(table, key);
      @SuppressWarnings("unchecked")
      Versioned<V> hit = (Versioned<V>) cache.getIfPresent(id);
      if (hit != null) {
        return hit;
      }
      if (Objects.requireNonNull(absent).getIfPresent(id) != null) {
        return null;
      }
      byte[] row = row(Layout.rowKey(table, key));
      if (row == null) {
        betweenReadAndFill.run();
        absent.put(id, Boolean.TRUE); // a negative entry: see the class comment
        return null;
      }
      Versioned<V> v = decode(table, key, row);
      betweenReadAndFill.run();
      cache.put(id, v);
      return v;
    }

    private byte @Nullable [] row(char[] rowKey) {
      byte[] before = rowsUndo.isEmpty() ? null : rowsUndo.durable(rowKey);
      if (before == null) {
        return rows.get(rowKey); // not changed by the batch in flight
      }
      return before == UndoLog.ABSENT ? null : before;
    }

    @Override
    public <V> List<Versioned<V>> findBy(Index<V> idx, String indexKey) {
      Table<V> table = known(idx.table());
      char[] from = Layout.indexGroup(idx, indexKey);
      char[] to = Layout.indexGroupEnd(idx, indexKey);
      Iterator<char[]> applied = index.subSet(from, true, to, false).iterator();
      Iterator<Map.Entry<char[], byte[]>> entries =
          indexUndo.durableRange(
              new Iterator<>() {
                @Override
                public boolean hasNext() {
                  return applied.hasNext();
                }

                @Override
                public Map.Entry<char[], byte[]> next() {
                  return new AbstractMap.SimpleImmutableEntry<>(applied.next(), UndoLog.PRESENT);
                }
              },
              from,
              to);
      List<Versioned<V>> out = new ArrayList<>();
      while (entries.hasNext()) {
        Versioned<V> v = durableRow(table, Layout.primaryKeyOf(entries.next().getKey(), from.length));
        if (v != null) {
          out.add(v);
        }
      }
      return out;
    }
  }

  /** A stored pulse; one the codec refuses is corruption named by the store, the table and the agent. */
  private Pulse decodePulse(AgentId agent, byte[] bytes) {
    try {
      return Codecs.PULSE.decode(bytes);
    } catch (StorageException e) {
      throw new StorageException(where + ": corrupt row in table pulses, agent " + agent.value() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A stored row decoded; a row the codec refuses is corruption named by the store, the table and the
   * row's key (ids, never secrets), not only by the codec's record kind.
   */
  private <V> Versioned<V> decode(Table<V> table, String key, byte[] row) {
    long version = Layout.rowVersion(row, where + " table " + table + " key " + key);
    if (version < 1) {
      throw new StorageException("corrupt row version in " + where + " table " + table + " key " + key);
    }
    try {
      return new Versioned<>(table.codec().decode(Layout.rowBody(row)), version);
    } catch (StorageException e) {
      throw new StorageException(where + ": corrupt row in table " + table.name() + ", key " + key + ": " + e.getMessage(), e);
    }
  }

  /** What a unit reads: durable state, one consistent call at a time. */
  private final class LockedView implements CommittedView {
    @Override
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      return MapDbStorage.this.get(table, key);
    }

    @Override
    public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
      return MapDbStorage.this.findBy(index, indexKey);
    }
  }
}
