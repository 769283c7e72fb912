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

  /** The first line of {@link #format()}. */
  public static final String HEADER = "spaceduck-inclusion-proof/v1";

  /**
   * The text form ({@code docs/audit-format.md}, "Proofs"): the header, {@code seq <seq>}, {@code size
   * <tree size>}, {@code event <base64 event hash>}, then one base64 path hash per line, leaf to root;
   * every line ends in a newline.
   */
  public String format() {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    b.append("seq ").append(seq).append('\n').append("size ").append(treeSize).append('\n');
    b.append("event ").append(ProofText.b64(eventHash)).append('\n');
    for (Hash h : path) {
      b.append(ProofText.b64(h)).append('\n');
    }
    return b.toString();
  }

  /**
   * Parses {@link #format()}.
   *
   * @throws IllegalArgumentException if malformed
   */
  public static InclusionProof parse(String text) {
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("a proof ends in a newline");
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    if (lines.length < 4 || !lines[0].equals(HEADER) || !lines[3].startsWith("event ")) {
      throw new IllegalArgumentException("not an inclusion proof (" + HEADER + ", seq, size, event lines)");
    }
    List<Hash> path = new java.util.ArrayList<>();
    for (int i = 4; i < lines.length; i++) {
      path.add(ProofText.hash(lines[i]));
    }
    return new InclusionProof(
        ProofText.number(lines[1], "seq"), ProofText.number(lines[2], "size"), ProofText.hash(lines[3].substring(6)), path);
  }
}
