package io.spaceduck.core.internal;

import io.spaceduck.storage.Bytes;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * What the engine keeps instead of a secret (SPEC §0 "No secret at rest", K1, H2, H4, I8): keyed
 * MACs of Beak Keys and verification codes under the engine's {@code mac} keyset, the blind index of
 * an email, and emails encrypted with the {@code pii} AEAD keyset, bound to the record they belong to.
 *
 * <p>Thread-safe.
 */
final class SecretsAtRest {
  private static final HexFormat HEX = HexFormat.of();

  private final EngineKeysets keysets;

  SecretsAtRest(EngineKeysets keysets) {
    this.keysets = keysets;
  }

  /** The keyed MAC of {@code data} (a key's or a code's MAC input): what the store holds (I8). */
  byte[] mac(byte[] data) {
    try {
      return keysets.mac().computeMac(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("MAC failed", e);
    }
  }

  /** The keyed blind index of a normalised email (H4): lookup without storing the address. */
  String blindIndex(String normalisedEmail) {
    return HEX.formatHex(mac(("email/v1|" + normalisedEmail).getBytes(StandardCharsets.UTF_8)));
  }

  /** {@code email} encrypted for the record named by {@code context} (its associated data). */
  byte[] encryptEmail(String email, String context) {
    try {
      return keysets.pii().encrypt(email.getBytes(StandardCharsets.UTF_8), context.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("encryption failed", e);
    }
  }

  /** The email {@link #encryptEmail} encrypted for the record named by {@code context}. */
  String decryptEmail(Bytes ciphertext, String context) {
    try {
      return new String(
          keysets.pii().decrypt(ciphertext.toByteArray(), context.getBytes(StandardCharsets.UTF_8)),
          StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("decryption failed", e);
    }
  }
}
