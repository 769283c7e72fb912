package io.spaceduck.conformance;

import io.spaceduck.api.spi.KekSource;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The engine contract's key-encryption key: AES-256-GCM from the JDK (a random 96-bit nonce before
 * each ciphertext, the associated data authenticated), so the kit needs no Tink. A new random key per
 * engine fixture; it never leaves memory. Thread-safe.
 */
final class JdkKek implements KekSource {
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private final SecretKey key;
  private final SecureRandom random = new SecureRandom();

  private JdkKek(SecretKey key) {
    this.key = key;
  }

  /** A KEK with a fresh random key. */
  static JdkKek random() {
    try {
      KeyGenerator g = KeyGenerator.getInstance("AES");
      g.init(256);
      return new JdkKek(g.generateKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256 is not available", e);
    }
  }

  @Override
  public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
    c.updateAAD(associatedData);
    byte[] sealed = c.doFinal(plaintext);
    return ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array();
  }

  @Override
  public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
    if (ciphertext.length < NONCE + TAG_BITS / 8) {
      throw new GeneralSecurityException("ciphertext too short");
    }
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, ciphertext, 0, NONCE));
    c.updateAAD(associatedData);
    return c.doFinal(ciphertext, NONCE, ciphertext.length - NONCE);
  }

  @Override
  public String describe() {
    return "jdk-aes-gcm (conformance kit)";
  }
}
