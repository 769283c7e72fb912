package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * The audit tree's nodes in a MapDB store (format 3, issue 20 phase 2): kept with the events, answered
 * by {@code auditSubtree} from the file, backfilled when an older store is opened, and a store whose
 * tree does not match its log refused. The kit's {@code auditSubtree_matchesTheEvents} property holds
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
   * A store as format 2 wrote it — no {@code audit.tree} collection — holding {@code events}, made with
   * MapDB directly as the engine of format 2 did ({@code StoreFile.create} of that release).
   */
  private static void formatTwoStore(Path file, List<AuditEvent> events) {
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      BTreeMap<String, String> meta = db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).create();
      meta.put(Layout.META_FORMAT_VERSION, "2");
      db.treeMap(Layout.ROWS, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).create();
      db.treeSet(Layout.INDEX, Serializer.CHAR_ARRAY).create();
      BTreeMap<Long, byte[]> audit = db.treeMap(Layout.AUDIT, Serializer.LONG, Serializer.BYTE_ARRAY).create();
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

  private static String formatOf(Path file) {
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      return db.treeMap(Layout.META, Serializer.STRING, Serializer.STRING).open().get(Layout.META_FORMAT_VERSION);
    } finally {
      db.close();
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

  @Test
  @Tag("format")
  @Tag("A3")
  void formatTwoStore_isBackfilledOnOpen_inChunks_andItsNodesAreThoseOfTheEvents() {
    Path file = dir.resolve("format2.db");
    List<AuditEvent> events = chain(2 * MapDbStorage.BACKFILL_CHUNK + 5); // three chunks
    formatTwoStore(file, events);
    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertEquals(events, s.auditRange(1, Integer.MAX_VALUE));
      assertTreeMatches(s, events, "backfilled");
      s.execute(tx -> { // appending after the backfill links to the backfilled right edge
        tx.appendAudit(Fixtures.draft("tree.after", "after", Map.of()));
        return null;
      });
      assertTreeMatches(s, s.auditRange(1, Integer.MAX_VALUE), "appended after the backfill");
    }
    assertEquals(Integer.toString(Layout.FORMAT_VERSION), formatOf(file));
  }

  @Test
  @Tag("format")
  void emptyFormatTwoStore_isUpgraded() {
    Path file = dir.resolve("empty2.db");
    formatTwoStore(file, List.of());
    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertEquals(Optional.empty(), s.auditSubtree(0, 0));
    }
    assertEquals(Integer.toString(Layout.FORMAT_VERSION), formatOf(file));
  }

  @Test
  @Tag("format")
  void backfillCutShortByACrash_resumesAfterItsLastCommittedChunk() {
    Path file = dir.resolve("partial.db");
    List<AuditEvent> events = chain(MapDbStorage.BACKFILL_CHUNK + 777);
    formatTwoStore(file, events);
    // what a crash after the first chunk's commit leaves: format 2, the nodes of the first chunk's events
    List<Hash> firstChunk = events.subList(0, MapDbStorage.BACKFILL_CHUNK).stream().map(AuditEvent::hash).toList();
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      BTreeMap<Long, byte[]> tree = db.treeMap(Layout.AUDIT_TREE, Serializer.LONG, Serializer.BYTE_ARRAY).create();
      for (AuditTreeNodes.Node n : AuditTreeNodes.appended(0, firstChunk, (l, i) -> Optional.empty())) {
        tree.put(Layout.treeKey(n.level(), n.index()), n.hash().toByteArray());
      }
      db.commit();
    } finally {
      db.close();
    }
    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertTreeMatches(s, events, "resumed backfill");
    }
  }

  @Test
  void formatThreeStoreWhoseTreeLacksTheLastLeaves_isRefused() {
    Path file = dir.resolve("short.db");
    try (MapDbStorage s = MapDbStorage.open(file)) {
      for (int i = 0; i < 3; i++) {
        s.execute(tx -> {
          tx.appendAudit(Fixtures.draft("tree.short", "r", Map.of()));
          return null;
        });
      }
      s.skipTreeNodes = true; // as if the nodes of the last unit were lost
      s.execute(tx -> {
        tx.appendAudit(Fixtures.draft("tree.short", "r", Map.of()));
        return null;
      });
    }
    StorageException e = assertThrows(StorageException.class, () -> MapDbStorage.open(file).close());
    assertTrue(e.getMessage().contains("audit tree has 3 leaves but its audit log 4 events"), e.getMessage());
    assertTrue(e.getMessage().contains("short.db"), e.getMessage());
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
