package io.spaceduck.api;

import java.util.List;

/**
 * An RFC 9162 consistency proof (§2.1.4): the audit tree of {@code newSize} events extends the tree of
 * {@code oldSize} events — nothing in the first {@code oldSize} events was changed, removed or
 * reordered. Check it against the roots of two checkpoints you trust with {@link #verify}.
 *
 * @param path the proof hashes (empty when {@code oldSize} is 0 or equals {@code newSize})
 */
public record ConsistencyProof(long oldSize, long newSize, List<Hash> path) {
  public ConsistencyProof {
    if (oldSize < 0 || oldSize > newSize) {
      throw new IllegalArgumentException("need 0 <= oldSize <= newSize, was " + oldSize + " and " + newSize);
    }
    path = List.copyOf(path);
    if (path.size() > 128) {
      throw new IllegalArgumentException("a consistency proof has at most 128 hashes");
    }
  }

  /** RFC 9162 §2.1.4.2 against the roots of the trees of {@link #oldSize()} and {@link #newSize()} events. */
  public boolean verify(Hash oldRoot, Hash newRoot) {
    return AuditTree.verifyConsistency(oldSize, newSize, oldRoot, newRoot, path);
  }
}
