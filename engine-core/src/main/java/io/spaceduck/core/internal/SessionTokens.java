package io.spaceduck.core.internal;

import com.google.crypto.tink.jwt.JwtPublicKeySign;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import com.google.crypto.tink.jwt.JwtValidator;
import com.google.crypto.tink.jwt.RawJwt;
import com.google.crypto.tink.jwt.VerifiedJwt;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.Session;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The JWT form of a peck session token (P5): ES256 with {@code kid} from the engine's signing keyset,
 * type header {@code sd-peck+jwt} (so a certificate can never pass as a token, nor the reverse),
 * issuer {@code spaceduck}; claims {@code jti}, {@code sub} (the agent it was issued to), {@code
 * peer}, {@code peck_id}, {@code scope} (space-separated), {@code iat}, {@code exp}. Third parties
 * verify signature and expiry offline with the JWK set; the engine also checks the peck online.
 */
final class SessionTokens {
  static final String TYPE = "sd-peck+jwt";
  private final JwtValidator validator;

  SessionTokens(Clock clock) {
    this.validator =
        JwtValidator.newBuilder().expectTypeHeader(TYPE).expectIssuer(CertificateTokens.ISSUER).setClock(clock).build();
  }

  static String sign(JwtPublicKeySign signer, String jti, Session s, Instant now) throws GeneralSecurityException {
    RawJwt jwt =
        RawJwt.newBuilder()
            .setTypeHeader(TYPE)
            .setIssuer(CertificateTokens.ISSUER)
            .setJwtId(jti)
            .setSubject(s.subject().value())
            .setIssuedAt(Instant.ofEpochSecond(now.getEpochSecond()))
            .setExpiration(s.expiresAt())
            .addStringClaim("peer", s.peer().value())
            .addStringClaim("peck_id", s.peck().value())
            .addStringClaim("scope", String.join(" ", new java.util.TreeSet<>(s.scope())))
            .build();
    return signer.signAndEncode(jwt);
  }

  /**
   * Verifies signature, type, issuer and expiry (at the engine clock) and decodes the claims.
   *
   * @throws GeneralSecurityException for any invalid token
   */
  Session verify(JwtPublicKeyVerify verifier, String token) throws GeneralSecurityException {
    VerifiedJwt jwt = verifier.verifyAndDecode(token, validator);
    try {
      Set<String> scope = new LinkedHashSet<>(Arrays.asList(jwt.getStringClaim("scope").split(" ")));
      return new Session(
          new PeckId(jwt.getStringClaim("peck_id")),
          new AgentId(jwt.getSubject()),
          new AgentId(jwt.getStringClaim("peer")),
          scope,
          jwt.getExpiration());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new GeneralSecurityException("claims are not a session");
    }
  }
}
