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

  /** The first line of {@link #format()}. */
  public static final String HEADER = "spaceduck-consistency-proof/v1";

  /**
   * The text form ({@code docs/audit-format.md}, "Proofs"): the header, {@code old <old size>}, {@code
   * new <new size>}, then one base64 proof hash per line; every line ends in a newline.
   */
  public String format() {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    b.append("old ").append(oldSize).append('\n').append("new ").append(newSize).append('\n');
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
  public static ConsistencyProof parse(String text) {
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("a proof ends in a newline");
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    if (lines.length < 3 || !lines[0].equals(HEADER)) {
      throw new IllegalArgumentException("not a consistency proof (" + HEADER + ", old, new lines)");
    }
    List<Hash> path = new java.util.ArrayList<>();
    for (int i = 3; i < lines.length; i++) {
      path.add(ProofText.hash(lines[i]));
    }
    return new ConsistencyProof(ProofText.number(lines[1], "old"), ProofText.number(lines[2], "new"), path);
  }
}
