package io.spaceduck.benchmarks;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.jwt.JwkSetConverter;
import com.google.crypto.tink.jwt.JwtEcdsaParameters;
import com.google.crypto.tink.jwt.JwtPublicKeySign;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import com.google.crypto.tink.jwt.JwtSignatureConfig;
import com.google.crypto.tink.jwt.JwtValidator;
import java.io.IOException;
import java.security.GeneralSecurityException;

/** The raw Tink ES256 JWT primitives: the floor under the engine's certificates and session tokens. */
final class RawTink {
  private RawTink() {}

  static {
    try {
      JwtSignatureConfig.register();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new ES256 signer, as the engine's signing keyset makes them. */
  static JwtPublicKeySign newEs256Signer() throws GeneralSecurityException {
    KeysetHandle h =
        KeysetHandle.generateNew(
            JwtEcdsaParameters.builder()
                .setAlgorithm(JwtEcdsaParameters.Algorithm.ES256)
                .setKidStrategy(JwtEcdsaParameters.KidStrategy.BASE64_ENCODED_KEY_ID)
                .build());
    return h.getPrimitive(RegistryConfiguration.get(), JwtPublicKeySign.class);
  }

  /** A verifier for every key of a public JWK set (the engine's {@code publicJwks()}). */
  static JwtPublicKeyVerify verifier(String jwks) throws GeneralSecurityException, IOException {
    return JwkSetConverter.toPublicKeysetHandle(jwks).getPrimitive(RegistryConfiguration.get(), JwtPublicKeyVerify.class);
  }

  /** What the engine checks besides the signature: type header and issuer. */
  static JwtValidator validator(String type, boolean allowMissingExpiration) {
    JwtValidator.Builder b = JwtValidator.newBuilder().expectTypeHeader(type).expectIssuer("spaceduck");
    return (allowMissingExpiration ? b.allowMissingExpiration() : b).build();
  }
}
