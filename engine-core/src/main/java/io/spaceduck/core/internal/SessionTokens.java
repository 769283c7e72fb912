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
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The JWT form of a peck session token (P5): ES256 with {@code kid} from the engine's signing keyset,
 * type header {@code sd-peck+jwt} (explicit typing, RFC 8725 §3.11: a certificate, typed {@code
 * sd-cert+jwt}, can never pass as a token, nor the reverse), issuer {@code spaceduck}, audience
 * {@code aud} = the peer agent's id — the one party the holder presents the token to (the resource,
 * in RFC 8707's terms), so a token shown to any other agent is refused there; claims {@code jti},
 * {@code sub} (the agent it was issued to), {@code peer} (= {@code aud}), {@code peck_id}, {@code
 * scope} (space-separated), {@code iat}, {@code exp}. Third parties verify signature, type, audience
 * and expiry offline with the JWK set ({@code OfflineSessionVerifier}); the engine also checks the
 * peck online.
 */
public final class SessionTokens {
  /** The {@code typ} header of every session token. */
  public static final String TYPE = "sd-peck+jwt";
  private final JwtValidator anyAudience;
  private final Clock clock;

  /** A verifier of session tokens at {@code clock}. */
  public SessionTokens(Clock clock) {
    this.clock = clock;
    this.anyAudience = validator(clock, Optional.empty());
  }

  private static JwtValidator validator(Clock clock, Optional<AgentId> audience) {
    JwtValidator.Builder b =
        JwtValidator.newBuilder().expectTypeHeader(TYPE).expectIssuer(CertificateTokens.ISSUER).setClock(clock);
    audience.ifPresentOrElse(a -> b.expectAudience(a.value()), b::ignoreAudiences);
    return b.build();
  }

  static String sign(JwtPublicKeySign signer, String jti, Session s, Instant now) throws GeneralSecurityException {
    RawJwt jwt =
        RawJwt.newBuilder()
            .setTypeHeader(TYPE)
            .setIssuer(CertificateTokens.ISSUER)
            .setAudience(s.peer().value())
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
   * Verifies signature, type, issuer and expiry (at the clock) and that the audience is exactly the
   * token's peer — and, when {@code audience} is given, that the peer is that agent — and decodes the
   * claims.
   *
   * @throws GeneralSecurityException for any invalid token, a token of another type (a certificate),
   *     or one meant for another audience
   */
  public Session verify(JwtPublicKeyVerify verifier, String token, Optional<AgentId> audience)
      throws GeneralSecurityException {
    VerifiedJwt jwt = verifier.verifyAndDecode(token, audience.isPresent() ? validator(clock, audience) : anyAudience);
    try {
      Set<String> scope = new LinkedHashSet<>(Arrays.asList(jwt.getStringClaim("scope").split(" ")));
      AgentId peer = new AgentId(jwt.getStringClaim("peer"));
      if (!jwt.hasAudiences() || !jwt.getAudiences().equals(List.of(peer.value()))) {
        throw new GeneralSecurityException("the audience is not the peer");
      }
      return new Session(
          new PeckId(jwt.getStringClaim("peck_id")),
          new AgentId(jwt.getSubject()),
          peer,
          scope,
          jwt.getExpiration());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new GeneralSecurityException("claims are not a session");
    }
  }
}
