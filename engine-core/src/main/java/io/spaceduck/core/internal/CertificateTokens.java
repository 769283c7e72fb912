package io.spaceduck.core.internal;

import com.google.crypto.tink.jwt.JwtInvalidException;
import com.google.crypto.tink.jwt.JwtPublicKeySign;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import com.google.crypto.tink.jwt.JwtValidator;
import com.google.crypto.tink.jwt.RawJwt;
import com.google.crypto.tink.jwt.VerifiedJwt;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.CertId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityKind;
import io.spaceduck.api.Tier;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The JWT form of a birth certificate (C1, C2): a compact JWS, ES256 with {@code kid}, type header
 * {@code sd-cert+jwt}, issuer {@code spaceduck}, no expiry (certificates are permanent). Claims:
 * {@code jti} (cert id), {@code sub} (subject id), {@code iat}, {@code kind}, {@code name}, {@code
 * tier}, {@code engine_version}, and when present {@code operator_id} and {@code supersedes}.
 */
public final class CertificateTokens {
  public static final String TYPE = "sd-cert+jwt";
  public static final String ISSUER = "spaceduck";
  private static final JwtValidator VALIDATOR =
      JwtValidator.newBuilder().expectTypeHeader(TYPE).expectIssuer(ISSUER).allowMissingExpiration().build();

  private CertificateTokens() {}

  /** The certificate's claims, unsigned. */
  static RawJwt claims(
      CertId id,
      IdentityId subject,
      String displayName,
      Tier tier,
      Instant issuedAt,
      String engineVersion,
      Optional<DucklingId> operator,
      Optional<CertId> supersedes) {
    RawJwt.Builder b =
        RawJwt.newBuilder()
            .setTypeHeader(TYPE)
            .setIssuer(ISSUER)
            .setJwtId(id.value())
            .setSubject(subject.value())
            .setIssuedAt(issuedAt)
            .withoutExpiration()
            .addStringClaim("kind", subject.kind().name().toLowerCase(Locale.ROOT))
            .addStringClaim("name", displayName)
            .addStringClaim("tier", tier.name())
            .addStringClaim("engine_version", engineVersion);
    operator.ifPresent(o -> b.addStringClaim("operator_id", o.value()));
    supersedes.ifPresent(s -> b.addStringClaim("supersedes", s.value()));
    return b.build();
  }

  /** Signs a new certificate; {@code issuedAt} is truncated to seconds, as JWT {@code iat} is. */
  static BirthCertificate sign(
      JwtPublicKeySign signer,
      CertId id,
      IdentityId subject,
      String displayName,
      Tier tier,
      Instant issuedAt,
      String engineVersion,
      Optional<DucklingId> operator,
      Optional<CertId> supersedes)
      throws GeneralSecurityException {
    Instant iat = Instant.ofEpochSecond(issuedAt.getEpochSecond());
    String jws =
        signer.signAndEncode(claims(id, subject, displayName, tier, iat, engineVersion, operator, supersedes));
    return new BirthCertificate(id, subject, displayName, tier, iat, engineVersion, operator, supersedes, jws);
  }

  /**
   * Verifies signature, type and issuer, and decodes the claims.
   *
   * @throws GeneralSecurityException if the token is malformed, forged, signed by an unknown key, or
   *     its claims are not a certificate's
   */
  public static BirthCertificate verify(JwtPublicKeyVerify verifier, String jws) throws GeneralSecurityException {
    VerifiedJwt jwt = verifier.verifyAndDecode(jws, VALIDATOR);
    try {
      IdentityId subject =
          IdentityId.parse(jwt.getSubject()).orElseThrow(() -> new JwtInvalidException("bad subject"));
      String kind = jwt.getStringClaim("kind");
      if (!subject.kind().name().toLowerCase(Locale.ROOT).equals(kind)) {
        throw new JwtInvalidException("kind does not match subject");
      }
      return new BirthCertificate(
          new CertId(jwt.getJwtId()),
          subject,
          jwt.getStringClaim("name"),
          Tier.valueOf(jwt.getStringClaim("tier")),
          jwt.getIssuedAt(),
          jwt.getStringClaim("engine_version"),
          jwt.hasStringClaim("operator_id") ? Optional.of(new DucklingId(jwt.getStringClaim("operator_id"))) : Optional.empty(),
          jwt.hasStringClaim("supersedes") ? Optional.of(new CertId(jwt.getStringClaim("supersedes"))) : Optional.empty(),
          jws);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new JwtInvalidException("claims are not a birth certificate");
    }
  }

  private static final java.util.regex.Pattern KID = java.util.regex.Pattern.compile("\"kid\"\\s*:\\s*\"([A-Za-z0-9_-]{1,64})\"");

  /**
   * The {@code kid} in the protected header of a compact JWS, read without verifying anything: which
   * signing key a stored certificate (or a token) names. Empty when there is none or it is malformed.
   */
  static Optional<String> kidOf(String jws) {
    int dot = jws.indexOf('.');
    if (dot < 1 || dot > 1024) {
      return Optional.empty();
    }
    try {
      String header = new String(java.util.Base64.getUrlDecoder().decode(jws.substring(0, dot)), java.nio.charset.StandardCharsets.UTF_8);
      java.util.regex.Matcher m = KID.matcher(header);
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code kind} is the certificate's subject kind (used by tests and the card). */
  static String kindLabel(IdentityKind kind) {
    return kind == IdentityKind.AGENT ? "Agent" : "Duckling";
  }
}
