package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzz target (docs/fuzzing.md): the text forms of {@link InclusionProof} and {@link ConsistencyProof}
 * ({@code docs/audit-format.md}, "Proofs") on arbitrary text. The contract: a parser refuses with a
 * plain {@link IllegalArgumentException} only; a proof it accepts formats to exactly the text it was
 * read from (one text per proof); RFC 9162's verification of any accepted proof returns false, never
 * throws or hangs, against roots that cannot match — and an inclusion proof verifies against the
 * root its own path computes only when it is one of the RFC's well-formed paths. The reference tree
 * below (seven events) checks that the proofs of a real tree still verify after a format round trip.
 */
class ProofTextFuzzTest {
  private static final List<Hash> EVENTS = events(7);
  private static final AuditTree.Subtrees TREE = ProofTextFuzzTest::subtree;
  private static final Hash ZERO = Hash.of(new byte[Hash.LENGTH]);

  @FuzzTest
  void proofsAreRefusedPlainlyOrCanonical(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8).replace("$ROOT7", b64(AuditTree.root(7, TREE)));
    InclusionProof inclusion = PlainRefusal.parsed(InclusionProof::parse, s);
    if (inclusion != null) {
      assertEquals(s, inclusion.format(), "an inclusion proof has one text");
      assertFalse(inclusion.verify(ZERO), "no path leads to the all-zero root");
      boolean genuine = inclusion.treeSize() == 7
          && inclusion.eventHash().equals(EVENTS.get((int) inclusion.seq() - 1))
          && inclusion.path().equals(AuditTree.inclusionPath(inclusion.seq() - 1, 7, TREE));
      assertEquals(genuine, inclusion.verify(AuditTree.root(7, TREE)),
          "only the tree's own path proves an event of the reference tree");
    }
    ConsistencyProof consistency = PlainRefusal.parsed(ConsistencyProof::parse, s);
    if (consistency != null) {
      assertEquals(s, consistency.format(), "a consistency proof has one text");
      consistency.verify(ZERO, ZERO);
      if (consistency.newSize() == 7 && consistency.oldSize() > 0 && consistency.oldSize() < 7) {
        long m = consistency.oldSize();
        boolean genuine = consistency.path().equals(AuditTree.consistencyPath(m, 7, TREE));
        assertEquals(genuine, consistency.verify(AuditTree.root(m, TREE), AuditTree.root(7, TREE)),
            "only the tree's own proof shows the reference tree extends its prefix");
      }
    }
  }

  private static Hash subtree(int level, long index) {
    if (level == 0) {
      return AuditTree.leafHash(EVENTS.get((int) index));
    }
    return AuditTree.nodeHash(subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1));
  }

  private static List<Hash> events(int n) {
    Hash[] out = new Hash[n];
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[Hash.LENGTH];
      b[0] = (byte) (i + 1);
      out[i] = Hash.of(b);
    }
    return List.of(out);
  }

  private static String b64(Hash h) {
    return java.util.Base64.getEncoder().encodeToString(h.toByteArray());
  }
}
