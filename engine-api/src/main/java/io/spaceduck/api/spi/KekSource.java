package io.spaceduck.api.spi;

import java.security.GeneralSecurityException;

/**
 * The host's key-encryption key: an AEAD (a KMS key in production) under which the engine persists
 * its own keysets. The shape is Tink's {@code Aead}, so a Tink KMS client adapts with
 * {@code KekSource.of(aead::encrypt, aead::decrypt)}.
 *
 * <h2>Security guarantees</h2>
 *
 * The engine never persists a keyset in plaintext; losing the KEK makes the store's keysets
 * unreadable, so hosts must back it up apart from the store.
 */
public interface KekSource {
  byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException;

  byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException;

  /** A short, non-secret description for logs, e.g. {@code "aws-kms:alias/spaceduck"}. */
  default String describe() {
    return getClass().getSimpleName();
  }

  /** The encrypt half of an AEAD. */
  @FunctionalInterface
  interface Encrypt {
    byte[] apply(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException;
  }

  /** The decrypt half of an AEAD. */
  @FunctionalInterface
  interface Decrypt {
    byte[] apply(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException;
  }

  /** Adapts two method references (e.g. of a Tink {@code Aead}). */
  static KekSource of(Encrypt encrypt, Decrypt decrypt) {
    return new KekSource() {
      @Override
      public byte[] encrypt(byte[] plaintext, byte[] ad) throws GeneralSecurityException {
        return encrypt.apply(plaintext, ad);
      }

      @Override
      public byte[] decrypt(byte[] ciphertext, byte[] ad) throws GeneralSecurityException {
        return decrypt.apply(ciphertext, ad);
      }
    };
  }
}
