package io.spaceduck.api;

import java.util.Objects;

/**
 * The newest event of a chain, by position and hash. Kept outside the store (printed by a
 * verification, or in a signed checkpoint), it lets {@code verify} detect truncation too (A3).
 */
public record AuditHead(long seq, Hash hash) {
  public AuditHead {
    if (seq < 1) {
      throw new IllegalArgumentException("seq starts at 1");
    }
    Objects.requireNonNull(hash, "hash");
  }

  /** {@code "<seq>:<hex>"}; {@link #parse(String)} reads it back. */
  @Override
  public String toString() {
    return seq + ":" + hash.hex();
  }

  /** Parses {@code "<seq>:<hex>"}. */
  public static AuditHead parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException("expected <seq>:<hex>");
    }
    return new AuditHead(Long.parseLong(text.substring(0, colon)), Hash.fromHex(text.substring(colon + 1)));
  }
}
