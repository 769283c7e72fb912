package io.spaceduck.core.internal;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.KeyId;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The raw key format (K1): {@code bk_<keyid>_<secret>} — prefix, 16 base32 characters of public key id
 * (so authentication is a keyed lookup, never a scan), 52 base32 characters (256 bits) of secret.
 * 72 characters in all.
 *
 * <p>The stored MAC of a key is over {@code beak-key/v1|<keyid>|<secret>} ({@link #macInput(KeyId,
 * String)}, at issue). Authentication builds the same bytes straight from the raw text in the pass
 * that validates it ({@link #macInputOf(String)}), without substrings or a typed id: the parse runs
 * on every call.
 */
final class BeakKeyFormat {
  static final int LENGTH = 3 + 16 + 1 + 52;
  private static final int ID_FROM = 3;
  private static final int ID_TO = 19; // the '_' between id and secret
  private static final byte[] DOMAIN = "beak-key/v1|".getBytes(StandardCharsets.US_ASCII);
  private static final int SEPARATOR = DOMAIN.length + (ID_TO - ID_FROM); // '|' in the MAC input
  private static final int MAC_INPUT_LENGTH = SEPARATOR + 1 + (LENGTH - ID_TO - 1);
  // 0 for the bytes a key body may hold (lowercase base32), 1 for all others
  private static final byte[] BASE32 = new byte[256];

  static {
    java.util.Arrays.fill(BASE32, (byte) 1);
    for (char c = 'a'; c <= 'z'; c++) {
      BASE32[c] = 0;
    }
    for (char c = '2'; c <= '7'; c++) {
      BASE32[c] = 0;
    }
  }

  private BeakKeyFormat() {}

  static BeakKey format(KeyId id, String secret) {
    return BeakKey.of(BeakKey.PREFIX + id.value() + "_" + secret);
  }

  /** The bytes a key's stored MAC is computed over, at issue. */
  static byte[] macInput(KeyId keyId, String secret) {
    return ("beak-key/v1|" + keyId.value() + "|" + secret).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Validates raw key text and returns its MAC input (the same bytes as {@link #macInput(KeyId,
   * String)} of its id and secret), or {@code null} for anything malformed (wrong prefix, length,
   * separator or charset). Never throws. The result holds the secret: callers drop it after the MAC.
   */
  static byte @Nullable [] macInputOf(String raw) {
    if (raw.length() != LENGTH || !raw.startsWith(BeakKey.PREFIX) || raw.charAt(ID_TO) != '_') {
      return null;
    }
    // One bulk copy of the characters, then a check over bytes: a charAt loop cost several times
    // more. A character above U+00FF becomes '?' and anything non-ASCII stays non-base32, so the
    // check below still refuses exactly what is not [a-z2-7].
    byte[] latin1 = raw.getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[MAC_INPUT_LENGTH];
    System.arraycopy(DOMAIN, 0, out, 0, DOMAIN.length);
    System.arraycopy(latin1, ID_FROM, out, DOMAIN.length, ID_TO - ID_FROM);
    out[SEPARATOR] = '|';
    System.arraycopy(latin1, ID_TO + 1, out, SEPARATOR + 1, LENGTH - ID_TO - 1);
    int bad = 0;
    for (int i = DOMAIN.length; i < SEPARATOR; i++) {
      bad |= BASE32[out[i] & 0xFF];
    }
    for (int i = SEPARATOR + 1; i < MAC_INPUT_LENGTH; i++) {
      bad |= BASE32[out[i] & 0xFF];
    }
    return bad == 0 ? out : null;
  }

  /** The key id of raw text that {@link #macInputOf} accepted: the lookup key of its stored row. */
  static String keyIdOf(String raw) {
    return raw.substring(ID_FROM, ID_TO);
  }
}
