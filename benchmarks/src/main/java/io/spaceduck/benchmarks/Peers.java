package io.spaceduck.benchmarks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * What a team would use as an API or session token instead of the engine: a JWT verified with
 * Nimbus JOSE+JWT — parse, check the signature, decode the claims, check the expiry. One ES256 and
 * one HS256 token, each with a realistic claim set. Thread-safe after construction.
 */
final class Peers {
  final String es256Token;
  final String hs256Token;
  private final JWSVerifier es256;
  private final JWSVerifier hs256;

  Peers() {
    try {
      ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("bench").generate();
      byte[] secret = new byte[32];
      new SecureRandom().nextBytes(secret);
      Instant now = Instant.now();
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer("spaceduck")
              .subject("ag_abcdefghijklmnop")
              .jwtID("jti-0123456789abcdef")
              .issueTime(Date.from(now))
              .expirationTime(Date.from(now.plus(Duration.ofDays(1))))
              .claim("peer", "ag_qrstuvwxyz234567")
              .claim("scope", "chat:read files.read")
              .build();
      es256Token = sign(new ECDSASigner(ec), JWSAlgorithm.ES256, claims);
      hs256Token = sign(new MACSigner(secret), JWSAlgorithm.HS256, claims);
      es256 = new ECDSAVerifier(ec.toPublicJWK());
      hs256 = new MACVerifier(secret);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sign(JWSSigner signer, JWSAlgorithm alg, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID("bench").build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  JWTClaimsSet verifyEs256(String token) {
    return verify(es256, token);
  }

  JWTClaimsSet verifyHs256(String token) {
    return verify(hs256, token);
  }

  private static JWTClaimsSet verify(JWSVerifier verifier, String token) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!jwt.verify(verifier)) {
        throw new IllegalStateException("bad signature");
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      if (!claims.getExpirationTime().after(new Date())) {
        throw new IllegalStateException("expired");
      }
      return claims;
    } catch (ParseException | JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
