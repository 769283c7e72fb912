package io.spaceduck.core.internal;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.KeyId;
import java.util.Optional;

/**
 * The raw key format (K1): {@code bk_<keyid>_<secret>} — prefix, 16 base32 characters of public key id
 * (so authentication is a keyed lookup, never a scan), 52 base32 characters (256 bits) of secret.
 * 72 characters in all.
 */
final class BeakKeyFormat {
  static final int LENGTH = 3 + 16 + 1 + 52;

  private BeakKeyFormat() {}

  /** A parsed key: its id and its secret. Never printed. */
  record Parsed(KeyId keyId, String secret) {
    @Override
    public String toString() {
      return "Parsed[" + keyId + ", ***]";
    }
  }

  static BeakKey format(KeyId id, String secret) {
    return BeakKey.of(BeakKey.PREFIX + id.value() + "_" + secret);
  }

  /** Parses without throwing; empty for anything malformed (wrong prefix, length, charset). */
  static Optional<Parsed> parse(BeakKey key) {
    String raw = key.reveal();
    if (raw.length() != LENGTH || !raw.startsWith(BeakKey.PREFIX) || raw.charAt(19) != '_') {
      return Optional.empty();
    }
    for (int i = 3; i < LENGTH; i++) {
      if (i == 19) {
        continue;
      }
      char c = raw.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
        return Optional.empty();
      }
    }
    return Optional.of(new Parsed(new KeyId(raw.substring(3, 19)), raw.substring(20)));
  }
}
