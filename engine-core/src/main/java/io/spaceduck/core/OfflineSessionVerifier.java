package io.spaceduck.core;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.jwt.JwkSetConverter;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.core.internal.SessionTokens;
import io.spaceduck.core.internal.TinkSetup;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies peck session tokens (P5) with nothing but a public JWK set: what the peer agent does
 * offline, without a store or an engine. It checks the signature, the type header ({@code
 * sd-peck+jwt}: a birth certificate never passes, nor any other JWT signed by the same keys), the
 * issuer, the expiry at the given clock, and that the audience ({@code aud}) is the verifying agent.
 * Immutable and thread-safe.
 *
 * <p>Offline verification cannot see a close or a revocation before the token expires; {@code
 * engine.pecks().verifySession(token, audience)} can.
 *
 * <pre>{@code
 * OfflineSessionVerifier v = OfflineSessionVerifier.fromJwks(jwksJson, Clock.systemUTC());
 * Session s = v.verify(token, myAgentId);
 * }</pre>
 */
public final class OfflineSessionVerifier {
  private static final int MAX_TOKEN = 4096;
  private final JwtPublicKeyVerify verifier;
  private final SessionTokens tokens;

  private OfflineSessionVerifier(JwtPublicKeyVerify verifier, Clock clock) {
    this.verifier = verifier;
    this.tokens = new SessionTokens(clock);
  }

  /**
   * @param clock the clock expiry is checked against
   * @throws IllegalArgumentException if {@code jwksJson} is not a JWK set of supported public keys
   */
  public static OfflineSessionVerifier fromJwks(String jwksJson, Clock clock) {
    Objects.requireNonNull(jwksJson, "jwksJson");
    Objects.requireNonNull(clock, "clock");
    TinkSetup.config();
    try {
      KeysetHandle handle = JwkSetConverter.toPublicKeysetHandle(jwksJson);
      return new OfflineSessionVerifier(handle.getPrimitive(TinkSetup.config(), JwtPublicKeyVerify.class), clock);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("not a usable JWK set", e);
    }
  }

  /**
   * Verifies {@code token} for the agent {@code audience} (the verifier itself).
   *
   * @throws Unauthenticated if the token is malformed, forged, of another type, expired, signed by a
   *     key not in the set, or meant for another agent — always with the same message
   */
  public Session verify(SessionToken token, AgentId audience) {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(audience, "audience");
    String raw = token.reveal();
    if (raw.isEmpty() || raw.length() > MAX_TOKEN) {
      throw new Unauthenticated();
    }
    try {
      return tokens.verify(verifier, raw, Optional.of(audience));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new Unauthenticated();
    }
  }
}
