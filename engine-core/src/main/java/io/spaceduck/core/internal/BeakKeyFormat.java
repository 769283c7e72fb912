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
 * String)}, at issue). Authentication, which parses on every call, takes the same bytes in two parts
 * without building them: {@link #MAC_DOMAIN}, then the raw key's own bytes from {@link #BODY_FROM}
 * with its {@code _} separator replaced by {@code |} ({@link #macBodyOf}). A copy of the MAC input
 * behind the domain cost as much as the validation itself.
 */
final class BeakKeyFormat {
  static final int LENGTH = 3 + 16 + 1 + 52;
  /** The first part of every key's MAC input. */
  private static final String DOMAIN = "beak-key/v1|";
  static final byte[] MAC_DOMAIN = DOMAIN.getBytes(StandardCharsets.US_ASCII);
  /** Where the second part of the MAC input starts in what {@link #macBodyOf} returns. */
  static final int BODY_FROM = 3;
  private static final int SEPARATOR = 19; // the '_' between id and secret
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
    return (DOMAIN + keyId.value() + "|" + secret).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Validates raw key text and returns its bytes with the separator turned into {@code |}, so that
   * {@link #MAC_DOMAIN} followed by the result from {@link #BODY_FROM} to its end is the key's MAC
   * input (the same bytes as {@link #macInput(KeyId, String)} of its id and secret); {@code null} for
   * anything malformed (wrong prefix, length, separator or charset). Never throws. The result holds
   * the secret: callers drop it after the MAC.
   */
  static byte @Nullable [] macBodyOf(String raw) {
    if (raw.length() != LENGTH || !raw.startsWith(BeakKey.PREFIX) || raw.charAt(SEPARATOR) != '_') {
      return null;
    }
    // One bulk copy of the characters, then a check over bytes: a charAt loop cost several times
    // more. A character above U+00FF becomes '?' and anything non-ASCII stays non-base32, so the
    // check below still refuses exactly what is not [a-z2-7]; a surrogate pair becomes one '?', so
    // the bytes are then shorter than the text (found by BeakKeyAuthenticationFuzzTest in CI).
    byte[] body = raw.getBytes(StandardCharsets.ISO_8859_1);
    if (body.length != LENGTH) {
      return null; // a surrogate pair (a character beyond U+FFFF) became one '?': not base32 anyway
    }
    int bad = 0;
    for (int i = BODY_FROM; i < SEPARATOR; i++) {
      bad |= BASE32[body[i] & 0xFF];
    }
    for (int i = SEPARATOR + 1; i < LENGTH; i++) {
      bad |= BASE32[body[i] & 0xFF];
    }
    body[SEPARATOR] = '|';
    return bad == 0 ? body : null;
  }

  /**
   * Whether {@code raw} has a key's length, prefix, separator and a base32 key id — the part of
   * {@link #macBodyOf}'s check that says it names a key id, without copying the secret.
   */
  static boolean macBodyShapeOk(String raw) {
    if (raw.length() != LENGTH || !raw.startsWith(BeakKey.PREFIX) || raw.charAt(SEPARATOR) != '_') {
      return false;
    }
    for (int i = BODY_FROM; i < SEPARATOR; i++) {
      char c = raw.charAt(i);
      if (c > 0xFF || BASE32[c] != 0) {
        return false;
      }
    }
    return true;
  }

  /** The key id of raw text that {@link #macBodyOf} accepted: the lookup key of its stored row. */
  static String keyIdOf(String raw) {
    return raw.substring(BODY_FROM, SEPARATOR);
  }
}
