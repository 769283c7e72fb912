package io.spaceduck.api;

import java.util.List;
import java.util.Objects;

/**
 * An RFC 9162 inclusion proof (§2.1.3): the event at {@code seq} (leaf index {@code seq - 1}) with
 * hash {@code eventHash} is in the audit tree of {@code treeSize} events. Check it against the root
 * of a checkpoint of that size you trust with {@link #verify}.
 *
 * @param path the audit path, leaf to root (at most 64 hashes)
 */
public record InclusionProof(long seq, long treeSize, Hash eventHash, List<Hash> path) {
  public InclusionProof {
    if (seq < 1 || seq > treeSize) {
      throw new IllegalArgumentException("seq " + seq + " is not in a tree of size " + treeSize);
    }
    Objects.requireNonNull(eventHash, "eventHash");
    path = List.copyOf(path);
    if (path.size() > 64) {
      throw new IllegalArgumentException("an audit path has at most 64 hashes");
    }
  }

  /** RFC 9162 §2.1.3.2 against {@code root}, the root of the tree of {@link #treeSize()} events. */
  public boolean verify(Hash root) {
    return AuditTree.verifyInclusion(seq - 1, treeSize, AuditTree.leafHash(eventHash), path, root);
  }
}
