package io.spaceduck.storage;

import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The stored nodes of the audit tree ({@link AuditTree}): the hash of every perfect aligned subtree —
 * {@code (level, index)} covers leaves {@code [index · 2^level, (index + 1) · 2^level)} — once all its
 * leaves exist. Level 0 holds the leaf hashes {@code SHA-256(0x00 || event hash)}. A store that writes
 * {@link #appended} with the events, in the same unit, answers {@link Storage#auditSubtree} with one
 * point read and every proof with {@code O(log n)} of them.
 *
 * <p>Each node is written once and never changes (A2): appending {@code k} events writes {@code k}
 * leaves and, on average, {@code k} interior nodes. Stateless and thread-safe.
 */
public final class AuditTreeNodes {
  private AuditTreeNodes() {}

  /** One node: the hash of the perfect subtree {@code (level, index)}. */
  public record Node(int level, long index, Hash hash) {
    public Node {
      if (level < 0 || level > 63 || index < 0) {
        throw new IllegalArgumentException("no node (" + level + ", " + index + ")");
      }
      Objects.requireNonNull(hash, "hash");
    }
  }

  /** Reads a node that is already stored (committed before the events being appended). */
  @FunctionalInterface
  public interface Lookup {
    Optional<Hash> node(int level, long index);
  }

  /**
   * The nodes to write when the events with hashes {@code eventHashes} are appended to a tree of
   * {@code sizeBefore} events: the leaf of each, then every subtree each one completes. Reads at most
   * one stored node per level (the left siblings on the tree's right edge) through {@code stored}.
   *
   * <p>This is the hook a store calls in the unit that appends the events; it then stores every
   * returned node under its {@code (level, index)} key and answers {@link Storage#auditSubtree} from
   * them.
   *
   * @throws IllegalStateException if a left sibling the new nodes need is not stored (the tree was not
   *     written with every earlier append)
   */
  public static List<Node> appended(long sizeBefore, List<Hash> eventHashes, Lookup stored) {
    if (sizeBefore < 0) {
      throw new IllegalArgumentException("sizeBefore is not negative");
    }
    List<Node> out = new ArrayList<>(eventHashes.size() * 2);
    Map<Long, Hash>[] fresh = freshLevels();
    long index = sizeBefore;
    for (Hash eventHash : eventHashes) {
      Hash h = AuditTree.leafHash(eventHash);
      int level = 0;
      long i = index;
      out.add(new Node(0, i, h));
      put(fresh, 0, i, h);
      while ((i & 1) == 1) {
        int l = level;
        long sibling = i - 1;
        Hash left = get(fresh, l, sibling);
        if (left == null) {
          left = stored.node(l, sibling).orElseThrow(
              () -> new IllegalStateException("audit tree node (" + l + ", " + sibling + ") is missing"));
        }
        h = AuditTree.nodeHash(left, h);
        level++;
        i >>>= 1;
        out.add(new Node(level, i, h));
        put(fresh, level, i, h);
      }
      index++;
    }
    return List.copyOf(out);
  }

  @SuppressWarnings("unchecked")
  private static Map<Long, Hash>[] freshLevels() {
    return new Map[64];
  }

  private static void put(Map<Long, Hash>[] levels, int level, long index, Hash h) {
    if (levels[level] == null) {
      levels[level] = new HashMap<>();
    }
    levels[level].put(index, h);
  }

  private static Hash get(Map<Long, Hash>[] levels, int level, long index) {
    return levels[level] == null ? null : levels[level].get(index);
  }

  /**
   * The hash of subtree {@code (level, index)} computed from the events themselves — what {@link
   * Storage#auditSubtree} returns by default: correct for every store, but it reads {@code 2^level}
   * events. Empty if the store does not yet hold all of them.
   */
  public static Optional<Hash> fromEvents(Storage storage, int level, long index) {
    if (level < 0 || level > 62 || index < 0 || index > (Long.MAX_VALUE >> level) - 1) {
      return Optional.empty();
    }
    long width = 1L << level;
    long first = index * width + 1; // seq of the first leaf
    AuditTree.Frontier f = new AuditTree.Frontier();
    long next = first;
    while (f.size() < width) {
      int page = (int) Math.min(2000, width - f.size());
      List<io.spaceduck.api.AuditEvent> events = storage.auditRange(next, page);
      for (io.spaceduck.api.AuditEvent e : events) {
        f.append(e.hash());
      }
      if (events.size() < page) {
        return Optional.empty();
      }
      next += page;
    }
    return Optional.of(f.root());
  }
}
