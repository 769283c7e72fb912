package io.spaceduck.core.internal;

import com.google.crypto.tink.Configuration;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.jwt.JwtSignatureConfig;
import com.google.crypto.tink.mac.MacConfig;
import com.google.crypto.tink.signature.SignatureConfig;
import java.security.GeneralSecurityException;

/** Registers Tink's primitives once per class loader. */
public final class TinkSetup {
  private static final Configuration CONFIG = register();

  private TinkSetup() {}

  private static Configuration register() {
    try {
      AeadConfig.register();
      MacConfig.register();
      JwtSignatureConfig.register();
      SignatureConfig.register();
      return RegistryConfiguration.get();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink registration failed", e);
    }
  }

  /** The configuration to build primitives with. */
  public static Configuration config() {
    return CONFIG;
  }
}
