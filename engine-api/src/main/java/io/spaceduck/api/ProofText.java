package io.spaceduck.api;

import java.util.Base64;

/** The text forms shared by {@link InclusionProof} and {@link ConsistencyProof} (docs/audit-format.md). */
final class ProofText {
  private ProofText() {}

  /** The number of a {@code <label> <n>} line: a decimal without leading zeros. */
  static long number(String line, String label) {
    if (!line.startsWith(label + " ")) {
      throw new IllegalArgumentException("expected a '" + label + " <n>' line");
    }
    String n = line.substring(label.length() + 1);
    if (!n.matches("0|[1-9][0-9]{0,18}")) {
      throw new IllegalArgumentException("'" + label + "' is not a decimal without leading zeros");
    }
    try {
      return Long.parseLong(n);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + label + "' is above 2^63 - 1");
    }
  }

  /** A proof line: the base64 of a 32-byte hash. */
  static Hash hash(String line) {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(line);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a proof line is not base64");
    }
    if (b.length != Hash.LENGTH || !Base64.getEncoder().encodeToString(b).equals(line)) {
      throw new IllegalArgumentException("a proof line is not the (padded, canonical) base64 of 32 bytes");
    }
    return Hash.of(b);
  }

  static String b64(Hash h) {
    return Base64.getEncoder().encodeToString(h.toByteArray());
  }
}
