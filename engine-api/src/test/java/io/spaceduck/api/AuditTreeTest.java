package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link AuditTree} against the RFC 9162 definitions written out naively here (MTH by recursion over
 * lists), against the RFC 6962 reference vectors published with transparency-dev/merkle and
 * Certificate Transparency, and as properties: every proof verifies, any change fails. The Python
 * verifier of engine-core's {@code TransparencyInteropTest} checks the same algorithms independently.
 */
class AuditTreeTest {
  private static final HexFormat HEX = HexFormat.of();

  // RFC 6962 reference leaves (leaf data of any length) and the roots of sizes 1..8
  private static final String[] VECTOR_LEAVES = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"
  };
  private static final String[] VECTOR_ROOTS = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };

  static Hash sha256(byte... parts) {
    try {
      return Hash.of(MessageDigest.getInstance("SHA-256").digest(parts));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static byte[] concat(byte prefix, byte[]... parts) {
    int n = 1;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    out[0] = prefix;
    int at = 1;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** RFC 9162 §2.1.1 MTH, literally, over leaf hashes. */
  static Hash mth(List<Hash> leafHashes) {
    int n = leafHashes.size();
    if (n == 0) {
      return sha256();
    }
    if (n == 1) {
      return leafHashes.get(0);
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return sha256(concat((byte) 1, mth(leafHashes.subList(0, k)).toByteArray(), mth(leafHashes.subList(k, n)).toByteArray()));
  }

  /** Perfect subtrees answered by the naive MTH over the leaf hashes. */
  static AuditTree.Subtrees naive(List<Hash> leafHashes) {
    return (level, index) -> {
      int w = 1 << level;
      return mth(leafHashes.subList((int) index * w, (int) index * w + w));
    };
  }

  /** Leaf hashes of events whose hashes are SHA-256 of their number. */
  static List<Hash> leaves(int n) {
    List<Hash> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(AuditTree.leafHash(eventHash(i)));
    }
    return out;
  }

  static Hash eventHash(int i) {
    return sha256(new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
  }

  @Test
  void rootsMatchTheRfc6962ReferenceVectors() {
    List<Hash> leafHashes = new ArrayList<>();
    for (String l : VECTOR_LEAVES) {
      leafHashes.add(sha256(concat((byte) 0, HEX.parseHex(l))));
    }
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", AuditTree.EMPTY_ROOT.hex());
    for (int n = 1; n <= 8; n++) {
      List<Hash> prefix = leafHashes.subList(0, n);
      assertEquals(VECTOR_ROOTS[n - 1], AuditTree.root(n, (level, index) -> mth(prefix.subList((int) index << level, (int) (index + 1) << level))).hex(),
          "size " + n);
    }
    AuditTree.Subtrees s = naive(leafHashes);
    // the reference inclusion proofs of leaves 0 and 5 in the tree of 8, and consistency 2 -> 8
    assertEquals(List.of("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        AuditTree.inclusionPath(0, 8, s).stream().map(Hash::hex).toList());
    assertEquals(List.of("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        AuditTree.inclusionPath(5, 8, s).stream().map(Hash::hex).toList());
    assertEquals(List.of("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        AuditTree.consistencyPath(2, 8, s).stream().map(Hash::hex).toList());
    Hash root8 = Hash.fromHex(VECTOR_ROOTS[7]);
    assertTrue(AuditTree.verifyInclusion(5, 8, leafHashes.get(5), AuditTree.inclusionPath(5, 8, s), root8));
    assertTrue(AuditTree.verifyConsistency(2, 8, Hash.fromHex(VECTOR_ROOTS[1]), root8, AuditTree.consistencyPath(2, 8, s)));
  }

  @Test
  void leafAndNodeHashesArePrefixedSha256() {
    Hash e = eventHash(7);
    assertEquals(sha256(concat((byte) 0, e.toByteArray())), AuditTree.leafHash(e));
    Hash a = eventHash(1);
    assertEquals(sha256(concat((byte) 1, a.toByteArray(), e.toByteArray())), AuditTree.nodeHash(a, e));
  }

  @Property(tries = 60)
  @Label("root, frontier and naive MTH agree at every size")
  void rootsAgree(@ForAll @IntRange(min = 0, max = 300) int n) {
    List<Hash> l = leaves(n);
    AuditTree.Frontier f = new AuditTree.Frontier();
    for (int i = 0; i < n; i++) {
      f.append(eventHash(i));
    }
    assertEquals(mth(l), AuditTree.root(n, naive(l)));
    assertEquals(mth(l), f.root());
  }

  @Test
  void aFrontierAsksForItsRootAtEverySizeWithoutChangingItsTree() {
    // up to 1,100 leaves: right edges of up to ten subtrees, roots asked between appends
    List<Hash> l = leaves(1100);
    AuditTree.Frontier f = new AuditTree.Frontier();
    assertEquals(AuditTree.EMPTY_ROOT, f.root());
    for (int i = 0; i < l.size(); i++) {
      f.append(eventHash(i));
      assertEquals(i + 1, f.size());
      if (i < 300 || Integer.bitCount(i + 1) <= 2 || i % 97 == 0) {
        assertEquals(mth(l.subList(0, i + 1)), f.root(), "size " + (i + 1));
      }
    }
    assertEquals(mth(l), f.root());
    assertEquals(f.root(), f.root());
  }

  @Property(tries = 200)
  @Label("every inclusion proof verifies; a flipped bit, another index or another (size, root) fails")
  void inclusionProofs(@ForAll @IntRange(min = 1, max = 200) int n, @ForAll @IntRange(min = 0, max = 199) int m,
      @ForAll @IntRange(min = 0, max = 255) int bit, @ForAll @IntRange(min = 1, max = 200) int other) {
    Assume.that(m < n);
    List<Hash> l = leaves(n);
    Hash root = mth(l);
    List<Hash> path = AuditTree.inclusionPath(m, n, naive(l));
    assertTrue(AuditTree.verifyInclusion(m, n, l.get(m), path, root));
    assertTrue(new InclusionProof(m + 1, n, eventHash(m), path).verify(root));
    assertFalse(AuditTree.verifyInclusion(m, n, flip(l.get(m), bit), path, root));
    assertFalse(AuditTree.verifyInclusion(m, n, l.get(m), path, flip(root, bit)));
    for (int i = 0; i < path.size(); i++) {
      List<Hash> bad = new ArrayList<>(path);
      bad.set(i, flip(path.get(i), bit));
      assertFalse(AuditTree.verifyInclusion(m, n, l.get(m), bad, root), "element " + i);
    }
    List<Hash> longer = new ArrayList<>(path);
    longer.add(root);
    assertFalse(AuditTree.verifyInclusion(m, n, l.get(m), longer, root));
    if (!path.isEmpty()) {
      assertFalse(AuditTree.verifyInclusion(m, n, l.get(m), path.subList(0, path.size() - 1), root));
    }
    int m2 = (m + 1 + bit % n) % n;
    if (m2 != m) {
      assertFalse(AuditTree.verifyInclusion(m2, n, l.get(m), path, root), "index " + m2);
    }
    if (other != n && m < other) {
      List<Hash> lo = leaves(other);
      assertFalse(AuditTree.verifyInclusion(m, other, l.get(m), path, mth(lo)), "size " + other);
    }
    assertFalse(AuditTree.verifyInclusion(n, n, l.get(m), path, root));
    assertFalse(AuditTree.verifyInclusion(-1, n, l.get(m), path, root));
  }

  @Property(tries = 200)
  @Label("every consistency proof verifies; a flipped bit or other sizes fail")
  void consistencyProofs(@ForAll @IntRange(min = 0, max = 200) int m, @ForAll @IntRange(min = 1, max = 200) int n,
      @ForAll @IntRange(min = 0, max = 255) int bit, @ForAll @IntRange(min = 1, max = 200) int other) {
    Assume.that(m <= n);
    List<Hash> l = leaves(n);
    Hash oldRoot = mth(l.subList(0, m));
    Hash newRoot = mth(l);
    List<Hash> path = AuditTree.consistencyPath(m, n, naive(l));
    assertTrue(AuditTree.verifyConsistency(m, n, oldRoot, newRoot, path));
    assertTrue(new ConsistencyProof(m, n, path).verify(oldRoot, newRoot));
    if (m > 0 && m < n) {
      assertFalse(AuditTree.verifyConsistency(m, n, flip(oldRoot, bit), newRoot, path));
      assertFalse(AuditTree.verifyConsistency(m, n, oldRoot, flip(newRoot, bit), path));
      for (int i = 0; i < path.size(); i++) {
        List<Hash> bad = new ArrayList<>(path);
        bad.set(i, flip(path.get(i), bit));
        assertFalse(AuditTree.verifyConsistency(m, n, oldRoot, newRoot, bad), "element " + i);
      }
      assertFalse(AuditTree.verifyConsistency(m, n, oldRoot, newRoot, path.subList(0, path.size() - 1)));
      List<Hash> longer = new ArrayList<>(path);
      longer.add(newRoot);
      assertFalse(AuditTree.verifyConsistency(m, n, oldRoot, newRoot, longer));
      if (other != n && other > m) {
        assertFalse(AuditTree.verifyConsistency(m, other, oldRoot, mth(leaves(other)), path), "new size " + other);
      }
      if (other != m && other < n) {
        assertFalse(AuditTree.verifyConsistency(other, n, mth(l.subList(0, other)), newRoot, path), "old size " + other);
      }
    } else {
      assertTrue(path.isEmpty());
    }
    // a tree that does not extend the old one: change one leaf before m
    if (m > 0 && m < n) {
      List<Hash> forked = new ArrayList<>(l);
      forked.set(bit % m, flip(l.get(bit % m), bit));
      assertFalse(AuditTree.verifyConsistency(m, n, oldRoot, mth(forked), AuditTree.consistencyPath(m, n, naive(forked))));
    }
  }

  @Test
  void malformedRequestsAreRefusedOrFalse() {
    assertThrows(IllegalArgumentException.class, () -> AuditTree.inclusionPath(3, 3, naive(leaves(3))));
    assertThrows(IllegalArgumentException.class, () -> AuditTree.consistencyPath(4, 3, naive(leaves(4))));
    assertFalse(AuditTree.verifyConsistency(3, 2, AuditTree.EMPTY_ROOT, AuditTree.EMPTY_ROOT, List.of()));
    assertFalse(AuditTree.verifyConsistency(2, 3, AuditTree.EMPTY_ROOT, AuditTree.EMPTY_ROOT, List.of()));
    assertTrue(AuditTree.verifyConsistency(0, 3, AuditTree.EMPTY_ROOT, mth(leaves(3)), List.of()));
    assertFalse(AuditTree.verifyInclusion(0, 0, AuditTree.EMPTY_ROOT, List.of(), AuditTree.EMPTY_ROOT));
  }

  static Hash flip(Hash h, int bit) {
    byte[] b = h.toByteArray();
    b[bit / 8] ^= (byte) (1 << (bit % 8));
    return Hash.of(b);
  }
}
