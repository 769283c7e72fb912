package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
 * The right edge the head row keeps ({@link AuditTreeRows.Tree}): after any sequence of batches it is
 * exactly the perfect subtrees of the tree of all leaves so far, so the nodes later batches compute from
 * it are the tree's; and its column form reads back as written, refusing a length that does not fit.
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
      byte[] column = tree.encodedEdge();
      assertEquals(Long.bitCount(n) * Hash.LENGTH, column.length);
      AuditTreeRows.Tree read = AuditTreeRows.Tree.decode(n, column);
      assertEquals(tree, read);
      assertArrayEquals(column, read.encodedEdge());
      // a size whose edge has one more node than the column holds
      assertThrows(SQLException.class, () -> AuditTreeRows.Tree.decode(2 * n + 1, column));
    }
  }
}
