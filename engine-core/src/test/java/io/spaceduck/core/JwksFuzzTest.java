package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;

/**
 * Fuzz target (docs/fuzzing.md): the offline verifiers' JWK set parsing ({@link
 * OfflineCertificateVerifier#fromJwks}, {@link OfflineSessionVerifier#fromJwks}) on arbitrary JSON.
 * In the input, {@code $K} stands for the live engine's public key (the JSON object inside its set),
 * so mutations start from a real key. The contract: a set is refused with {@link
 * IllegalArgumentException} only (never another exception, a stack overflow or a hang); a set that
 * is accepted verifies the live certificate and session token either to exactly the live record or
 * not at all (the documented refusal), and never accepts the certificate as a session or the reverse.
 */
class JwksFuzzTest {
  private static final class Fixture {
    final PeckFixture p = new PeckFixture();
    final BirthCertificate cert;
    final Session session;
    final String sessionJws;
    final String key;

    Fixture() {
      PeckFixture.Op op = p.operator("Olive");
      PeckFixture.Op other = p.operator("Otto");
      PeckFixture.Ag a = p.agent(op, "asker", Tier.T1);
      PeckFixture.Ag b = p.agent(other, "target", Tier.T1);
      var s = p.pecks.session(a.key(), p.active(a, b, other.key()).id());
      session = s.session();
      sessionJws = s.token().reveal();
      cert = p.engine.certificates().get(a.key(), a.cert()).certificate();
      String jwks = p.engine.certificates().publicJwks();
      key = jwks.substring(jwks.indexOf('[') + 1, jwks.lastIndexOf(']'));
    }
  }

  /** Built on the first input (the fuzzer's JVM builds it once). */
  private static final Supplier<Fixture> FIXTURE = Suppliers.memoize(Fixture::new);

  @FuzzTest
  void jwksRefusedOrVerifiesOnlyTheLiveTokens(byte[] data) {
    Fixture f = FIXTURE.get();
    String jwks = new String(data, StandardCharsets.UTF_8).replace("$K", f.key);
    OfflineCertificateVerifier certs;
    OfflineSessionVerifier sessions;
    try {
      certs = OfflineCertificateVerifier.fromJwks(jwks);
    } catch (IllegalArgumentException refused) {
      certs = null;
    }
    try {
      sessions = OfflineSessionVerifier.fromJwks(jwks, Clock.fixed(TestEngine.EPOCH, ZoneOffset.UTC));
    } catch (IllegalArgumentException refused) {
      sessions = null;
    }
    assertEquals(certs == null, sessions == null, "the two verifiers read a JWK set alike");
    if (certs == null) {
      return;
    }
    try {
      assertEquals(f.cert, certs.verify(f.cert.jws()));
    } catch (InvalidInput refused) {
      // a set without the engine's key
    }
    try {
      certs.verify(f.sessionJws);
      throw new AssertionError("a session token verified as a certificate");
    } catch (InvalidInput expected) {
      // never one kind as the other
    }
    try {
      assertEquals(f.session, sessions.verify(SessionToken.of(f.sessionJws), f.session.peer()));
    } catch (Unauthenticated refused) {
      // a set without the engine's key
    }
    try {
      sessions.verify(SessionToken.of(f.cert.jws()), f.session.peer());
      throw new AssertionError("a certificate verified as a session token");
    } catch (Unauthenticated expected) {
      // never one kind as the other
    }
  }
}
