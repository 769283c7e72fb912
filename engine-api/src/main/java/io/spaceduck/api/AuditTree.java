package io.spaceduck.api;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
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

  // cloned, never used itself: a clone skips getInstance's provider lookup (SHA-256 of the SUN
  // provider is Cloneable); cloning only reads the prototype, so threads may share it
  private static final MessageDigest SHA256_PROTOTYPE = newSha256();

  /** The root of the empty tree: SHA-256 of no bytes. */
  public static final Hash EMPTY_ROOT = Hash.wrap(newSha256().digest());

  /** Perfect aligned subtree hashes of one tree. */
  @FunctionalInterface
  public interface Subtrees {
    /**
     * The hash of the perfect subtree over leaves {@code [index · 2^level, (index + 1) · 2^level)};
     * only asked for subtrees that lie wholly inside the tree being proved.
     */
    Hash subtree(int level, long index);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA256_PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256();
    }
  }

  /**
   * {@code SHA-256(0x00 || eventHash)}: the leaf hash of an event (RFC 9162 §2.1.1). A digest per call:
   * code hashing many leaves keeps a {@link Frontier}, which reuses one.
   */
  public static Hash leafHash(Hash eventHash) {
    MessageDigest d = sha256();
    d.update((byte) 0x00);
    eventHash.updateDigest(d);
    return Hash.wrap(d.digest());
  }

  /** {@code SHA-256(0x01 || left || right)}: an interior node (RFC 9162 §2.1.1). */
  public static Hash nodeHash(Hash left, Hash right) {
    MessageDigest d = sha256();
    d.update((byte) 0x01);
    left.updateDigest(d);
    right.updateDigest(d);
    return Hash.wrap(d.digest());
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
   * memory. An append costs one leaf hash and, on average, one node hash; it reuses one digest and
   * fixed buffers and allocates nothing. Not thread-safe: confine a frontier to one thread at a time
   * (handing it over through a happens-before edge, such as a queue or {@link Thread#start}).
   */
  public static final class Frontier {
    private static final int L = Hash.LENGTH;
    // the perfect subtrees of the right edge, largest first: one per set bit of size, from the
    // highest bit down, so the last one's level is the lowest set bit
    private final byte[] edge = new byte[64 * L];
    // 0x01 || left || right while hashing a node; the new hash is written over right
    private final byte[] scratch = new byte[1 + 2 * L];
    private final MessageDigest digest = sha256();
    private long size;

    /** Appends the leaf with leaf data {@code eventHash}. */
    public void append(Hash eventHash) {
      byte[] b = scratch;
      b[0] = 0x00;
      eventHash.copyTo(b, 1);
      digest.update(b, 0, 1 + L);
      digestInto(b, 1 + L);
      int top = Long.bitCount(size);
      for (long s = size; (s & 1) == 1; s >>>= 1) {
        top--;
        b[0] = 0x01;
        System.arraycopy(edge, top * L, b, 1, L);
        digest.update(b, 0, 1 + 2 * L);
        digestInto(b, 1 + L);
      }
      System.arraycopy(b, 1 + L, edge, top * L, L);
      size++;
    }

    private void digestInto(byte[] out, int offset) {
      try {
        digest.digest(out, offset, L);
      } catch (DigestException e) {
        throw new IllegalStateException("SHA-256 did not write 32 bytes", e);
      }
    }

    /**
     * A frontier of the same leaves, independent of this one. Its state is allocated by the calling
     * thread: a thread that takes over a frontier another thread filled should append to its own copy
     * (the original's arrays can share cache lines with the other thread's busiest objects).
     */
    public Frontier copy() {
      Frontier c = new Frontier();
      System.arraycopy(edge, 0, c.edge, 0, edge.length);
      c.size = size;
      return c;
    }

    /** How many leaves were appended. */
    public long size() {
      return size;
    }

    /** The root of the tree of {@link #size()} leaves. */
    public Hash root() {
      int top = Long.bitCount(size);
      if (top == 0) {
        return EMPTY_ROOT;
      }
      byte[] b = scratch;
      System.arraycopy(edge, (top - 1) * L, b, 1 + L, L);
      for (int i = top - 2; i >= 0; i--) {
        b[0] = 0x01;
        System.arraycopy(edge, i * L, b, 1, L);
        digest.update(b, 0, 1 + 2 * L);
        digestInto(b, 1 + L);
      }
      return Hash.wrap(Arrays.copyOfRange(b, 1 + L, 1 + 2 * L));
    }
  }
}
