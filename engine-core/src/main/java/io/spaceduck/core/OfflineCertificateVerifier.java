package io.spaceduck.core;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.jwt.JwkSetConverter;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.core.internal.CertificateTokens;
import io.spaceduck.core.internal.TinkSetup;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * Verifies birth certificates with nothing but a public JWK set (C2): what a third party does offline,
 * without a store or an engine. Immutable and thread-safe.
 *
 * <pre>{@code
 * OfflineCertificateVerifier v = OfflineCertificateVerifier.fromJwks(jwksJson);
 * BirthCertificate cert = v.verify(token);
 * }</pre>
 */
public final class OfflineCertificateVerifier {
  /** The longest certificate accepted (as the engine's own {@code certificates().verify}). */
  public static final int MAX_TOKEN = 8192;
  private final JwtPublicKeyVerify verifier;

  private OfflineCertificateVerifier(JwtPublicKeyVerify verifier) {
    this.verifier = verifier;
  }

  /**
   * @throws IllegalArgumentException if {@code jwksJson} is not a JWK set of supported public keys
   */
  public static OfflineCertificateVerifier fromJwks(String jwksJson) {
    Objects.requireNonNull(jwksJson, "jwksJson");
    TinkSetup.config();
    try {
      KeysetHandle handle = JwkSetConverter.toPublicKeysetHandle(jwksJson);
      return new OfflineCertificateVerifier(handle.getPrimitive(TinkSetup.config(), JwtPublicKeyVerify.class));
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("not a usable JWK set", e);
    }
  }

  /**
   * Verifies signature, type header ({@code sd-cert+jwt}: a session token signed by the same keys never
   * passes) and issuer, and decodes the certificate. Offline verification
   * cannot tell whether the certificate is still its subject's current one; an authenticated lookup
   * ({@code engine.certificates().get}) can.
   *
   * @throws InvalidInput if the token is malformed, forged or signed by a key not in the set
   */
  public BirthCertificate verify(String jws) {
    Objects.requireNonNull(jws, "jws");
    if (jws.length() > MAX_TOKEN) {
      throw new InvalidInput("certificate", "at most " + MAX_TOKEN + " characters");
    }
    try {
      return CertificateTokens.verify(verifier, jws);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new InvalidInput("certificate", "not a valid certificate for this key set");
    }
  }
}
