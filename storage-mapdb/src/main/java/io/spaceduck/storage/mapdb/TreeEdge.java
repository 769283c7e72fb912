package io.spaceduck.storage.mapdb;

import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;

/**
 * The right edge of the audit tree ({@link AuditTree}) of {@link #size()} leaves: for every set bit
 * {@code l} of the size, the hash of the perfect subtree {@code (l, (size >> l) - 1)} — exactly the left
 * siblings the next appends combine with. The writer keeps one, so linking a unit's events computes
 * their tree nodes without reading the file; at open it is read back from the stored nodes ({@link
 * #load}, at most 63 point reads).
 *
 * <p>Appending the leaf at index {@code i} completes the subtrees {@code (level, i >> level)} for {@code
 * level = 1 … k}, {@code k} the trailing ones of {@code i} (the trailing zeros of {@code i + 1}, the
 * event's seq): {@link #append} returns exactly those, bottom up, and the store keeps them in that
 * event's own record ({@link AuditCodec#record}). Not thread-safe: the writer owns it, and a unit works
 * on a {@link #copy()} that replaces the writer's only when the unit is applied.
 */
final class TreeEdge {
  /** Reads a stored node (its leaves all stored). */
  @FunctionalInterface
  interface Nodes {
    Hash node(int level, long index);
  }

  private final Hash[] nodes;
  private long size;

  TreeEdge() {
    this(new Hash[64], 0);
  }

  private TreeEdge(Hash[] nodes, long size) {
    this.nodes = nodes;
    this.size = size;
  }

  /** The edge of the tree of {@code size} leaves, its nodes read through {@code stored}. */
  static TreeEdge load(long size, Nodes stored) {
    if (size < 0) {
      throw new IllegalArgumentException("size >= 0");
    }
    Hash[] nodes = new Hash[64];
    for (int l = 0; l < 63; l++) {
      if ((size & (1L << l)) != 0) {
        nodes[l] = stored.node(l, (size >> l) - 1);
      }
    }
    return new TreeEdge(nodes, size);
  }

  long size() {
    return size;
  }

  TreeEdge copy() {
    return new TreeEdge(nodes.clone(), size);
  }

  /**
   * Appends the leaf of the event with hash {@code eventHash}; returns the interior nodes it completes,
   * levels {@code 1 … k} in that order (empty when the new leaf is a left child).
   */
  Hash[] append(Hash eventHash) {
    Hash h = AuditTree.leafHash(eventHash);
    int k = Long.numberOfTrailingZeros(size + 1);
    Hash[] completed = new Hash[k];
    for (int l = 0; l < k; l++) {
      h = AuditTree.nodeHash(nodes[l], h);
      completed[l] = h;
    }
    nodes[k] = h;
    size++;
    return completed;
  }
}
