package io.spaceduck.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The RFC 9162 (RFC 6962) Merkle tree over the audit chain ({@code docs/audit-format.md}, "Merkle
 * tree"): leaf {@code i} (0-based) is the event at {@code seq = i + 1}, its leaf data the event's
 * 32-byte {@code hash};
 *
 * <pre>
 * MTH({})      = SHA-256()                                   the empty tree
 * MTH({d(0)})  = SHA-256(0x00 || d(0))                       leaf hash
 * MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  k = largest power of 2 below n
 * </pre>
 *
 * <p>Proof generation (RFC 9162 §2.1.3.1 {@code PATH}, §2.1.4.1 {@code PROOF}/{@code SUBPROOF}) reads
 * only hashes of <em>perfect aligned subtrees</em> — the {@code 2^level} leaves from {@code index ·
 * 2^level} on — through {@link Subtrees}, so a store that keeps those (tiles) answers a proof over
 * millions of events with {@code O(log n)} point reads. Verification (§2.1.3.2, §2.1.4.2) needs
 * nothing but the proof. Stateless and thread-safe.
 */
public final class AuditTree {
  private AuditTree() {}

  /** The root of the empty tree: SHA-256 of no bytes. */
  public static final Hash EMPTY_ROOT = Hash.of(sha256().digest());

  /** Perfect aligned subtree hashes of one tree. */
  @FunctionalInterface
  public interface Subtrees {
    /**
     * The hash of the perfect subtree over leaves {@code [index · 2^level, (index + 1) · 2^level)};
     * only asked for subtrees that lie wholly inside the tree being proved.
     */
    Hash subtree(int level, long index);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** {@code SHA-256(0x00 || eventHash)}: the leaf hash of an event (RFC 9162 §2.1.1). */
  public static Hash leafHash(Hash eventHash) {
    MessageDigest d = sha256();
    d.update((byte) 0x00);
    eventHash.updateDigest(d);
    return Hash.of(d.digest());
  }

  /** {@code SHA-256(0x01 || left || right)}: an interior node (RFC 9162 §2.1.1). */
  public static Hash nodeHash(Hash left, Hash right) {
    MessageDigest d = sha256();
    d.update((byte) 0x01);
    left.updateDigest(d);
    right.updateDigest(d);
    return Hash.of(d.digest());
  }

  /** The largest power of two strictly below {@code n} ({@code n >= 2}). */
  static long split(long n) {
    return Long.highestOneBit(n - 1);
  }

  /** The root of the tree of {@code size} leaves. */
  public static Hash root(long size, Subtrees subtrees) {
    checkSize(size);
    return size == 0 ? EMPTY_ROOT : range(0, size, subtrees);
  }

  /** MTH(D[start:end]) for {@code end > start}, from perfect aligned subtrees. */
  static Hash range(long start, long end, Subtrees subtrees) {
    long n = end - start;
    if (Long.bitCount(n) == 1 && start % n == 0) {
      return Objects.requireNonNull(subtrees.subtree(Long.numberOfTrailingZeros(n), start / n), "subtree");
    }
    long k = split(n);
    return nodeHash(range(start, start + k, subtrees), range(start + k, end, subtrees));
  }

  /**
   * RFC 9162 §2.1.3.1: the inclusion path of leaf {@code index} in the tree of {@code size} leaves,
   * leaf to root.
   *
   * @throws IllegalArgumentException unless {@code 0 <= index < size}
   */
  public static List<Hash> inclusionPath(long index, long size, Subtrees subtrees) {
    checkSize(size);
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException("leaf index " + index + " is not in a tree of size " + size);
    }
    List<Hash> path = new ArrayList<>();
    path(index, 0, size, subtrees, path);
    return List.copyOf(path);
  }

  private static void path(long m, long start, long end, Subtrees s, List<Hash> out) {
    long n = end - start;
    if (n == 1) {
      return;
    }
    long k = split(n);
    if (m < k) {
      path(m, start, start + k, s, out);
      out.add(range(start + k, end, s));
    } else {
      path(m - k, start + k, end, s, out);
      out.add(range(start, start + k, s));
    }
  }

  /**
   * RFC 9162 §2.1.4.1: the consistency proof from the tree of {@code oldSize} leaves to that of
   * {@code newSize}. Empty when {@code oldSize} is 0 or equals {@code newSize} (nothing to prove).
   *
   * @throws IllegalArgumentException unless {@code 0 <= oldSize <= newSize}
   */
  public static List<Hash> consistencyPath(long oldSize, long newSize, Subtrees subtrees) {
    checkSize(oldSize);
    checkSize(newSize);
    if (oldSize > newSize) {
      throw new IllegalArgumentException("old size " + oldSize + " is larger than new size " + newSize);
    }
    List<Hash> out = new ArrayList<>();
    if (oldSize > 0 && oldSize < newSize) {
      subproof(oldSize, 0, newSize, true, subtrees, out);
    }
    return List.copyOf(out);
  }

  private static void subproof(long m, long start, long end, boolean b, Subtrees s, List<Hash> out) {
    long n = end - start;
    if (m == n) {
      if (!b) {
        out.add(range(start, end, s));
      }
      return;
    }
    long k = split(n);
    if (m <= k) {
      subproof(m, start, start + k, b, s, out);
      out.add(range(start + k, end, s));
    } else {
      subproof(m - k, start + k, end, false, s, out);
      out.add(range(start, start + k, s));
    }
  }

  /**
   * RFC 9162 §2.1.3.2: whether {@code path} proves leaf {@code index}, with leaf hash {@code leaf},
   * in the tree of {@code size} leaves and root {@code root}. False (never an exception) for any
   * malformed input.
   */
  public static boolean verifyInclusion(long index, long size, Hash leaf, List<Hash> path, Hash root) {
    if (index < 0 || size < 1 || index >= size) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    Hash r = leaf;
    for (Hash p : path) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>>= 1;
            sn >>>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && r.equals(root);
  }

  /**
   * RFC 9162 §2.1.4.2: whether {@code path} proves that the tree of {@code newSize} leaves and root
   * {@code newRoot} extends the tree of {@code oldSize} leaves and root {@code oldRoot}. The RFC
   * defines proofs for {@code 0 < oldSize < newSize}; for equal sizes the proof must be empty and the
   * roots equal, and an empty old tree (root {@link #EMPTY_ROOT}) is extended by every tree, with an
   * empty proof. False (never an exception) for any malformed input.
   */
  public static boolean verifyConsistency(long oldSize, long newSize, Hash oldRoot, Hash newRoot, List<Hash> path) {
    if (oldSize < 0 || oldSize > newSize) {
      return false;
    }
    if (oldSize == newSize) {
      return path.isEmpty() && oldRoot.equals(newRoot);
    }
    if (oldSize == 0) {
      return path.isEmpty() && oldRoot.equals(EMPTY_ROOT);
    }
    if (path.isEmpty()) {
      return false;
    }
    List<Hash> p = path;
    if (Long.bitCount(oldSize) == 1) {
      p = new ArrayList<>(path.size() + 1);
      p.add(oldRoot);
      p.addAll(path);
    }
    long fn = oldSize - 1;
    long sn = newSize - 1;
    while ((fn & 1) == 1) {
      fn >>>= 1;
      sn >>>= 1;
    }
    Hash fr = p.get(0);
    Hash sr = p.get(0);
    for (int i = 1; i < p.size(); i++) {
      Hash c = p.get(i);
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>>= 1;
            sn >>>= 1;
          }
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return fr.equals(oldRoot) && sr.equals(newRoot) && sn == 0;
  }

  private static void checkSize(long size) {
    if (size < 0) {
      throw new IllegalArgumentException("a tree size is not negative");
    }
  }

  /**
   * The right edge of a growing tree (a compact range from leaf 0): at most 64 perfect subtrees, so
   * a verifier streaming millions of events computes the root at every size in {@code O(log n)}
   * memory. Not thread-safe.
   */
  public static final class Frontier {
    private final List<Hash> hashes = new ArrayList<>();
    private final List<Integer> levels = new ArrayList<>();
    private long size;

    /** Appends the leaf with leaf data {@code eventHash}. */
    public void append(Hash eventHash) {
      Hash h = leafHash(eventHash);
      int level = 0;
      while (!levels.isEmpty() && levels.get(levels.size() - 1) == level) {
        h = nodeHash(hashes.remove(hashes.size() - 1), h);
        levels.remove(levels.size() - 1);
        level++;
      }
      hashes.add(h);
      levels.add(level);
      size++;
    }

    /** How many leaves were appended. */
    public long size() {
      return size;
    }

    /** The root of the tree of {@link #size()} leaves. */
    public Hash root() {
      if (hashes.isEmpty()) {
        return EMPTY_ROOT;
      }
      Hash r = hashes.get(hashes.size() - 1);
      for (int i = hashes.size() - 2; i >= 0; i--) {
        r = nodeHash(hashes.get(i), r);
      }
      return r;
    }
  }
}
