package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditTreeNodes;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The right edge the committer keeps ({@link AuditTreeRows.Tree}): after any sequence of batches it is
 * exactly the perfect subtrees of the tree of all leaves so far, so the nodes later batches compute from
 * it are the tree's; and it is what another instance reads from the stored levels and the leaves
 * ({@link AuditTreeRows#edgeOf}), refusing a read with a node missing. Every node is the perfect
 * subtree of the run of stored nodes or leaves under it ({@link AuditTreeRows#under}).
 */
class AuditTreeEdgeProperties {

  private static Hash eventHash(long i) throws Exception {
    return Hash.of(MessageDigest.getInstance("SHA-256").digest(ByteBuffer.allocate(8).putLong(i).array()));
  }

  /** The hash of subtree (level, index) from the leaves themselves. */
  private static Hash subtree(List<Hash> eventHashes, int level, long index) {
    AuditTree.Frontier f = new AuditTree.Frontier();
    for (long i = index << level; i < (index + 1) << level; i++) {
      f.append(eventHashes.get((int) i));
    }
    return f.root();
  }

  @Property(tries = 200)
  void everyNodeIsThePerfectSubtreeOfTheRunUnderIt(@ForAll @IntRange(min = 0, max = 9) int level, @ForAll @IntRange(min = 0, max = 3) int index)
      throws Exception {
    List<Hash> all = new ArrayList<>();
    for (long i = 0; i < (index + 1L) << level; i++) {
      all.add(eventHash(i));
    }
    AuditTreeRows.Run run = AuditTreeRows.under(level, index);
    assertTrue(run.level() == 0 || AuditTreeRows.stored(run.level()), "leaves or a stored level");
    assertTrue(run.count() <= 1 << (AuditTreeRows.STRIDE - 1), "at most 8 of them");
    Hash[] h = new Hash[run.count()];
    for (int i = 0; i < h.length; i++) {
      h[i] = subtree(all, run.level(), run.from() + i);
    }
    assertEquals(subtree(all, level, index), AuditTreeRows.perfect(h, 0, h.length));
  }

  @Property(tries = 200)
  void theEdgeIsTheTreesAfterAnyBatches(@ForAll @Size(max = 12) List<@IntRange(min = 1, max = 40) Integer> batches) throws Exception {
    AuditTreeRows.Tree tree = AuditTreeRows.Tree.EMPTY;
    List<Hash> all = new ArrayList<>();
    for (int batch : batches) {
      List<Hash> hashes = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        hashes.add(eventHash(all.size() + i));
      }
      List<AuditTreeNodes.Node> nodes = AuditTreeNodes.appended(tree.size(), hashes, tree.lookup());
      all.addAll(hashes);
      for (AuditTreeNodes.Node n : nodes) {
        assertEquals(subtree(all, n.level(), n.index()), n.hash(), "node (" + n.level() + ", " + n.index() + ")");
      }
      tree = tree.grow(batch, nodes);
      assertEquals(all.size(), tree.size());
      List<Hash> expected = new ArrayList<>();
      long n = tree.size();
      for (int level = 62; level >= 0; level--) {
        if (((n >>> level) & 1) == 1) {
          expected.add(subtree(all, level, (n >>> level) - 1));
        }
      }
      assertEquals(expected, tree.edge(), "edge of " + n);
      // the edge as another instance reads it from the rows and the events (schema 5)
      List<AuditTreeRows.Run> runs = AuditTreeRows.edgeRuns(n);
      List<Hash[]> read = new ArrayList<>();
      for (AuditTreeRows.Run r : runs) {
        assertEquals(0, r.level() % AuditTreeRows.STRIDE, "a run of a stored level or of leaves");
        assertTrue(r.count() < 1 << AuditTreeRows.STRIDE, "at most 15 nodes per block");
        Hash[] h = new Hash[r.count()];
        for (int i = 0; i < h.length; i++) {
          h[i] = subtree(all, r.level(), r.from() + i);
        }
        read.add(h);
      }
      assertEquals(tree, AuditTreeRows.edgeOf(n, runs, read));
      if (!runs.isEmpty()) {
        read.set(runs.size() - 1, null);
        assertThrows(SQLException.class, () -> AuditTreeRows.edgeOf(n, runs, read), "a node missing");
      }
    }
  }
}
