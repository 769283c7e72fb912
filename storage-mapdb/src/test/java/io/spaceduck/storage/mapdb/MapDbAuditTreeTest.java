package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.CorruptAuditEventException;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * The audit tree's nodes in a MapDB store (format 4, issue 20): kept in the records of the events that
 * complete them, answered by {@code auditSubtree} from the file, added when an older store (format 2 or
 * 3) is opened, and a store whose tree does not match its log refused. The kit's {@code auditSubtree_matchesTheEvents} property holds
 * the nodes to the events unit by unit; {@link MapDbCrashTest} checks them after every SIGKILL.
 */
class MapDbAuditTreeTest {
  @TempDir Path dir;

  /**
   * Every node of the tree over {@code events}, built level by level from {@link AuditTree}'s hash
   * functions (independent of {@link AuditTreeNodes}), compared with what {@code s} answers — and the
   * first incomplete node of every level is empty.
   */
  static void assertTreeMatches(Storage s, List<AuditEvent> events, String what) {
    List<Hash> level = new ArrayList<>(events.size());
    for (AuditEvent e : events) {
      level.add(AuditTree.leafHash(e.hash()));
    }
    for (int l = 0; l <= 62; l++) {
      for (int i = 0; i < level.size(); i++) {
        assertEquals(Optional.of(level.get(i)), s.auditSubtree(l, i), what + ": node (" + l + ", " + i + ")");
      }
      assertEquals(Optional.empty(), s.auditSubtree(l, level.size()), what + ": incomplete node (" + l + ", " + level.size() + ")");
      if (level.isEmpty()) {
        return;
      }
      List<Hash> up = new ArrayList<>(level.size() / 2);
      for (int i = 0; i + 1 < level.size(); i += 2) {
        up.add(AuditTree.nodeHash(level.get(i), level.get(i + 1)));
      }
      level = up;
    }
  }

  /** The events of {@code n} drafts linked from the start. */
  private static List<AuditEvent> chain(int n) {
    List<AuditEvent> out = new ArrayList<>(n);
    Hash prev = Hash.ZERO;
    for (int i = 1; i <= n; i++) {
      AuditDraft d = Fixtures.draft("tree.test", "r" + i, Map.of("i", Integer.toString(i)));
      AuditEvent e = AuditChain.link(d, i, prev);
      out.add(e);
      prev = e.hash();
    }
    return out;
  }

  /**
   * A store as format 2 wrote it — no {@code audit.tree} collection, each record the event's encoding
   * alone — holding {@code events}, made with MapDB directly as the engine of format 2 did ({@code
   * StoreFile.create} of that release).
   */
  private static void formatTwoStore(Path file, List<AuditEvent> events) {
    olderStore(file, events, 2);
  }

  /** As format 3 wrote it: {@link #formatTwoStore} plus {@code audit.tree}, every node under its post-order key. */
  private static void formatThreeStore(Path file, List<AuditEvent> events) {
    olderStore(file, events, 3);
  }

  private static void olderStore(Path file, List<AuditEvent> events, int format) {
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      BTreeMap<String, String> meta = db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).create();
      meta.put(Layout.META_FORMAT_VERSION, Integer.toString(format));
      db.treeMap(Layout.ROWS, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).create();
      db.treeSet(Layout.INDEX, Serializer.CHAR_ARRAY).create();
      BTreeMap<Long, byte[]> audit = db.treeMap(Layout.AUDIT, Serializer.LONG, Serializer.BYTE_ARRAY).create();
      if (format >= 3) {
        BTreeMap<Long, byte[]> tree = db.treeMap(Layout.AUDIT_TREE, Serializer.LONG, Serializer.BYTE_ARRAY).create();
        for (AuditTreeNodes.Node n : AuditTreeNodes.appended(0, hashes(events), (l, i) -> Optional.empty())) {
          tree.put(Layout.treeKey(n.level(), n.index()), n.hash().toByteArray());
        }
      }
      db.treeMap(Layout.PULSE_LATEST, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).create();
      db.treeMap(Layout.PULSE_HISTORY, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).create();
      for (AuditEvent e : events) {
        audit.put(e.seq(), AuditCodec.encode(e));
      }
      if (!events.isEmpty()) {
        meta.put(Layout.META_AUDIT_HEAD, events.get(events.size() - 1).head().toString());
      }
      db.commit();
    } finally {
      db.close();
    }
  }

  private static List<Hash> hashes(List<AuditEvent> events) {
    return events.stream().map(AuditEvent::hash).toList();
  }

  /**
   * What format 4 stores for each event, built independently of the store's own code: the event's
   * encoding, then the interior nodes ({@link AuditTreeNodes}, level 1 and up) whose last leaf it is.
   */
  static Map<Long, byte[]> formatFourRecords(List<AuditEvent> events) {
    Map<Long, ByteArrayOutputStream> out = new TreeMap<>();
    for (AuditEvent e : events) {
      out.put(e.seq(), new ByteArrayOutputStream());
      out.get(e.seq()).writeBytes(AuditCodec.encode(e));
    }
    // appended lists each leaf's nodes bottom up, so the interior ones arrive in level order per event
    for (AuditTreeNodes.Node n : AuditTreeNodes.appended(0, hashes(events), (l, i) -> Optional.empty())) {
      if (n.level() > 0) {
        out.get((n.index() + 1) << n.level()).writeBytes(n.hash().toByteArray());
      }
    }
    Map<Long, byte[]> records = new TreeMap<>();
    out.forEach((seq, b) -> records.put(seq, b.toByteArray()));
    return records;
  }

  private static String formatOf(Path file) {
    return meta(file).get(Layout.META_FORMAT_VERSION);
  }

  /** The file's {@code store.meta}, read with MapDB directly (a copy). */
  private static Map<String, String> meta(Path file) {
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      return new TreeMap<>(db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).open());
    } finally {
      db.close();
    }
  }

  /** The stored audit records and the collection names of the file, read with MapDB directly. */
  private record Raw(NavigableMap<Long, byte[]> audit, Map<Long, byte[]> tree, Set<String> names) {}

  private static Raw raw(Path file) {
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      Set<String> names = new TreeSet<>();
      db.getAllNames().forEach(names::add);
      Map<Long, byte[]> tree =
          names.contains(Layout.AUDIT_TREE)
              ? new TreeMap<>(db.treeMap(Layout.AUDIT_TREE, Serializer.LONG, Serializer.BYTE_ARRAY).open())
              : Map.of();
      return new Raw(new TreeMap<>(db.treeMap(Layout.AUDIT, Serializer.LONG, Serializer.BYTE_ARRAY).open()), tree, names);
    } finally {
      db.close();
    }
  }

  private static void assertRecords(Map<Long, byte[]> expected, Map<Long, byte[]> actual, String what) {
    assertEquals(expected.keySet(), actual.keySet(), what + ": seqs");
    for (Map.Entry<Long, byte[]> e : expected.entrySet()) {
      assertArrayEquals(e.getValue(), actual.get(e.getKey()), what + ": the record of seq " + e.getKey());
    }
  }

  @Test
  void unitsOfOneBatch_linkTheirNodesToEachOther_andReopenKeepsThem() {
    Path file = dir.resolve("tree.db");
    try (MapDbStorage s = MapDbStorage.open(file)) {
      // many small units from several threads: the writer batches them, so later units of a batch
      // complete nodes whose left halves earlier units of the same (not yet durable) batch wrote
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        Thread th = new Thread(() -> {
          for (int k = 0; k < 60; k++) {
            int n = 1 + (k + thread) % 3;
            s.execute(tx -> {
              for (int j = 0; j < n; j++) {
                tx.appendAudit(Fixtures.draft("tree.batch", "t" + thread + "." + j, Map.of()));
              }
              return null;
            });
          }
        });
        th.start();
        threads.add(th);
      }
      threads.forEach(th -> {
        try {
          th.join();
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      });
      assertTreeMatches(s, s.auditRange(1, Integer.MAX_VALUE), "after the batches");
    }
    try (MapDbStorage s = MapDbStorage.open(file)) {
      List<AuditEvent> events = s.auditRange(1, Integer.MAX_VALUE);
      assertEquals(4 * 60 * 2, events.size());
      assertTreeMatches(s, events, "after reopening");
    }
  }

  /**
   * The tree node cache: every node read (and every incomplete one asked for) before more appends is
   * still answered right after them — a cache that kept an "absent" answer or a node of a smaller tree
   * fails here — and a store with the caches off answers the same.
   */
  @ParameterizedTest(name = "cacheSize {0}")
  @ValueSource(ints = {MapDbStorage.DEFAULT_CACHE_SIZE, 0})
  @Tag("A3")
  void nodesReadBeforeLaterAppends_areStillRightAfterThem(int cacheSize) {
    try (MapDbStorage s = MapDbStorage.open(dir.resolve("cache-" + cacheSize + ".db"), cacheSize)) {
      int appended = 0;
      for (int n : new int[] {1, 2, 5, 37, 90, 401, 1}) {
        s.execute(tx -> {
          for (int i = 0; i < n; i++) {
            tx.appendAudit(Fixtures.draft("tree.cache", "r" + i, Map.of()));
          }
          return null;
        });
        appended += n;
        assertTreeMatches(s, s.auditRange(1, appended), "after " + appended + " events");
      }
    }
  }

  @Test
  void eachRecord_carriesTheNodesItsEventCompletes_andANewStoreHasNoSecondTreeMap() {
    Path file = dir.resolve("records.db");
    try (MapDbStorage s = MapDbStorage.open(file)) {
      for (int i = 0; i < 37; i++) {
        int n = 1 + i % 3; // units of 1–3 events: nodes completed within a unit and across units
        s.execute(tx -> {
          for (int j = 0; j < n; j++) {
            tx.appendAudit(Fixtures.draft("tree.records", "r" + j, Map.of()));
          }
          return null;
        });
      }
    }
    Raw raw = raw(file);
    List<AuditEvent> events = new ArrayList<>();
    try (MapDbStorage s = MapDbStorage.open(file)) {
      events.addAll(s.auditRange(1, Integer.MAX_VALUE));
    }
    assertEquals(73, events.size()); // 12 rounds of 1 + 2 + 3, then 1
    assertRecords(formatFourRecords(events), raw.audit(), "format 4");
    assertFalse(raw.names().contains(Layout.AUDIT_TREE), "one B-tree for events and nodes: " + raw.names());
  }

  @Test
  @Tag("format")
  @Tag("A3")
  void formatTwoStore_isUpgradedOnOpen_inChunks_andItsNodesAreThoseOfTheEvents() {
    Path file = dir.resolve("format2.db");
    List<AuditEvent> events = chain(2 * MapDbStorage.UPGRADE_CHUNK + 5); // three chunks
    formatTwoStore(file, events);
    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertEquals(events, s.auditRange(1, Integer.MAX_VALUE));
      assertTreeMatches(s, events, "upgraded");
      s.execute(tx -> { // appending after the upgrade links to the upgraded right edge
        tx.appendAudit(Fixtures.draft("tree.after", "after", Map.of()));
        return null;
      });
      assertTreeMatches(s, s.auditRange(1, Integer.MAX_VALUE), "appended after the upgrade");
    }
    assertEquals("4", formatOf(file));
    assertFalse(meta(file).containsKey(Layout.META_TREE_UPGRADE), "no upgrade left in progress");
    assertRecords(formatFourRecords(events), raw(file).audit().headMap((long) events.size() + 1), "upgraded records");
  }

  @Test
  @Tag("format")
  @Tag("A3")
  void formatThreeStore_isUpgradedOnOpen_itsNodesMovedIntoTheRecords_andItsTreeMapEmptied() {
    Path file = dir.resolve("format3.db");
    List<AuditEvent> events = chain(MapDbStorage.UPGRADE_CHUNK + 300);
    formatThreeStore(file, events);
    assertEquals(Layout.treeNodes(events.size()), raw(file).tree().size(), "the format-3 fixture holds every node");
    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertEquals(events, s.auditRange(1, Integer.MAX_VALUE));
      assertTreeMatches(s, events, "upgraded from format 3");
    }
    Raw raw = raw(file);
    assertEquals("4", formatOf(file));
    assertRecords(formatFourRecords(events), raw.audit(), "upgraded records");
    assertEquals(Map.of(), raw.tree(), "format 3's nodes are gone from audit.tree");
  }

  @Test
  @Tag("format")
  void emptyFormatTwoAndThreeStores_areUpgraded() {
    for (int format : List.of(2, 3)) {
      Path file = dir.resolve("empty" + format + ".db");
      olderStore(file, List.of(), format);
      try (MapDbStorage s = MapDbStorage.open(file)) {
        assertEquals(Optional.empty(), s.auditSubtree(0, 0));
        s.execute(tx -> {
          tx.appendAudit(Fixtures.draft("tree.empty", "r", Map.of()));
          tx.appendAudit(Fixtures.draft("tree.empty", "r", Map.of()));
          return null;
        });
        assertTreeMatches(s, s.auditRange(1, Integer.MAX_VALUE), "format " + format + " upgraded, then appended to");
      }
      assertEquals("4", formatOf(file));
      assertFalse(meta(file).containsKey(Layout.META_TREE_UPGRADE));
    }
  }

  @Test
  @Tag("format")
  void upgradeCutShortByACrash_resumesAfterItsLastCommittedChunk() {
    Path file = dir.resolve("partial.db");
    List<AuditEvent> events = chain(2 * MapDbStorage.UPGRADE_CHUNK + 777);
    formatThreeStore(file, events);
    // what a crash after the first chunk's commit leaves: format 4 with the upgrade's progress, the first
    // chunk's records with their nodes and its nodes gone from audit.tree, the rest as format 3 had them
    long chunk = MapDbStorage.UPGRADE_CHUNK;
    Map<Long, byte[]> upgraded = formatFourRecords(events);
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      BTreeMap<Long, byte[]> audit = db.treeMap(Layout.AUDIT, Serializer.LONG, Serializer.BYTE_ARRAY).open();
      for (long seq = 1; seq <= chunk; seq++) {
        audit.put(seq, upgraded.get(seq));
      }
      BTreeMap<Long, byte[]> tree = db.treeMap(Layout.AUDIT_TREE, Serializer.LONG, Serializer.BYTE_ARRAY).open();
      new ArrayList<>(tree.headMap(Layout.treeNodes(chunk), false).keySet()).forEach(tree::remove);
      BTreeMap<String, String> meta = db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).open();
      meta.put(Layout.META_FORMAT_VERSION, "4");
      meta.put(Layout.META_TREE_UPGRADE, Long.toString(chunk));
      db.commit();
    } finally {
      db.close();
    }
    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertTreeMatches(s, events, "resumed upgrade");
    }
    Raw raw = raw(file);
    assertRecords(upgraded, raw.audit(), "every record once with its nodes");
    assertEquals(Map.of(), raw.tree());
    assertFalse(meta(file).containsKey(Layout.META_TREE_UPGRADE));
  }

  @Test
  @Tag("format")
  void garbledUpgradeProgress_isRefused() {
    Path file = dir.resolve("garbled.db");
    formatTwoStore(file, chain(10));
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      BTreeMap<String, String> meta = db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).open();
      meta.put(Layout.META_FORMAT_VERSION, "4");
      meta.put(Layout.META_TREE_UPGRADE, "11"); // beyond the log
      db.commit();
    } finally {
      db.close();
    }
    StorageException e = assertThrows(StorageException.class, () -> MapDbStorage.open(file).close());
    assertTrue(e.getMessage().contains("tree upgrade progress 11 of 10 events"), e.getMessage());
    assertTrue(e.getMessage().contains("garbled.db"), e.getMessage());
  }

  @Test
  void formatFourStoreWhoseLastNodesDoNotMatchItsEvents_isRefused() {
    Path file = dir.resolve("wrong.db");
    try (MapDbStorage s = MapDbStorage.open(file)) {
      for (int i = 0; i < 3; i++) {
        s.execute(tx -> {
          tx.appendAudit(Fixtures.draft("tree.wrong", "r", Map.of()));
          return null;
        });
      }
      s.wrongTreeNodes = true; // as if the nodes of the last unit were damaged or edited
      s.execute(tx -> {
        tx.appendAudit(Fixtures.draft("tree.wrong", "r", Map.of()));
        return null;
      });
    }
    StorageException e = assertThrows(StorageException.class, () -> MapDbStorage.open(file).close());
    assertTrue(e.getMessage().contains("its audit tree does not match its audit log (node (1, 1) stored with event 4)"), e.getMessage());
    assertTrue(e.getMessage().contains("wrong.db"), e.getMessage());
  }

  @Test
  void aRecordCutShortOfItsNodes_isACorruptEventNamingItsSeq_andOnTheRightEdgeRefusesTheOpen() {
    Path file = dir.resolve("short.db");
    try (MapDbStorage s = MapDbStorage.open(file)) {
      for (int i = 0; i < 5; i++) {
        s.execute(tx -> {
          tx.appendAudit(Fixtures.draft("tree.short", "r", Map.of()));
          return null;
        });
      }
    }
    // seq 2 completes node (1, 0), which the right edge of 5 leaves (nodes (2, 0) and (0, 4)) does not hold
    cutNodes(file, 2, 1); // its event stored alone, as format 3 did
    try (MapDbStorage s = MapDbStorage.open(file)) {
      CorruptAuditEventException e = assertThrows(CorruptAuditEventException.class, () -> s.auditRange(1, 10));
      assertEquals(2, e.seq());
      assertEquals(2, assertThrows(CorruptAuditEventException.class, () -> s.auditSubtree(1, 0)).seq());
      assertEquals(2, assertThrows(CorruptAuditEventException.class, () -> s.auditSubtree(0, 1)).seq());
      assertTrue(s.auditSubtree(0, 0).isPresent());
      assertEquals(Optional.empty(), s.auditSubtree(3, 0), "no node of 8 leaves in a log of 5");
    }
    cutNodes(file, 4, 2); // on the right edge: the open reads it
    CorruptAuditEventException e = assertThrows(CorruptAuditEventException.class, () -> MapDbStorage.open(file).close());
    assertEquals(4, e.seq());
    assertTrue(e.getMessage().contains("short.db"), e.getMessage());
  }

  /** Drops the {@code nodes} tree nodes from the end of the record of {@code seq}, with MapDB directly. */
  private static void cutNodes(Path file, long seq, int nodes) {
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      BTreeMap<Long, byte[]> audit = db.treeMap(Layout.AUDIT, Serializer.LONG, Serializer.BYTE_ARRAY).open();
      byte[] r = audit.get(seq);
      audit.put(seq, Arrays.copyOf(r, r.length - nodes * Hash.LENGTH));
      db.commit();
    } finally {
      db.close();
    }
  }

  @Test
  void treeKeys_areThePostOrderOfTheTree_soATreeOfNLeavesIsItsFirstKeys() {
    List<Long> written = new ArrayList<>();
    for (long n = 0; n < 600; n++) {
      List<Hash> one = List.of(Hash.ZERO);
      for (AuditTreeNodes.Node node : AuditTreeNodes.appended(n, one, (l, i) -> Optional.of(Hash.ZERO))) {
        written.add(Layout.treeKey(node.level(), node.index()));
      }
      long leaves = n + 1;
      assertEquals(Layout.treeNodes(leaves), written.size(), "nodes of " + leaves + " leaves");
      for (int k = 0; k < written.size(); k++) {
        assertEquals(k, written.get(k), "appends write consecutive keys: key " + k);
      }
      assertEquals(leaves, Layout.treeLeaves(written.size()));
    }
    assertEquals(-1, Layout.treeLeaves(2)); // 2 nodes end no tree (1 leaf: 1 node, 2 leaves: 3)
    assertEquals(0, Layout.treeLeaves(0));
  }

  @Test
  void nodesBeyondTheKeyRange_areEmpty() {
    try (MapDbStorage s = MapDbStorage.open(dir.resolve("range.db"))) {
      s.execute(tx -> {
        tx.appendAudit(Fixtures.draft("tree.range", "r", Map.of()));
        return null;
      });
      assertEquals(Optional.empty(), s.auditSubtree(-1, 0));
      assertEquals(Optional.empty(), s.auditSubtree(0, -1));
      assertEquals(Optional.empty(), s.auditSubtree(64, 0));
      assertEquals(Optional.empty(), s.auditSubtree(0, Long.MAX_VALUE));
      assertEquals(Optional.empty(), s.auditSubtree(63, 0));
      assertTrue(s.auditSubtree(0, 0).isPresent());
    }
  }
}
