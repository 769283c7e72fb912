package io.spaceduck.core.internal;

import com.google.crypto.tink.Aead;
import io.spaceduck.api.spi.KekSource;
import java.security.GeneralSecurityException;

/** Adapts the host's {@link KekSource} to Tink's {@link Aead}. */
final class KekAead implements Aead {
  private final KekSource kek;

  KekAead(KekSource kek) {
    this.kek = kek;
  }

  @Override
  public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
    return kek.encrypt(plaintext, associatedData);
  }

  @Override
  public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
    return kek.decrypt(ciphertext, associatedData);
  }
}
