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
      b.append(b64(h)).append('\n');
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
      path.add(hash(lines[i]));
    }
    return new ConsistencyProof(number(lines[1], "old"), number(lines[2], "new"), path);
  }

  private static long number(String line, String label) {
    if (!line.startsWith(label + " ")) {
      throw new IllegalArgumentException("expected a '" + label + " <n>' line");
    }
    String n = line.substring(label.length() + 1);
    if (!n.matches("0|[1-9][0-9]{0,18}")) {
      throw new IllegalArgumentException("'" + label + "' is not a decimal without leading zeros");
    }
    return Long.parseLong(n);
  }

  private static Hash hash(String line) {
    byte[] b;
    try {
      b = java.util.Base64.getDecoder().decode(line);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a proof line is not base64");
    }
    if (b.length != Hash.LENGTH) {
      throw new IllegalArgumentException("a proof line is not the base64 of 32 bytes");
    }
    return Hash.of(b);
  }

  private static String b64(Hash h) {
    return java.util.Base64.getEncoder().encodeToString(h.toByteArray());
  }
}
