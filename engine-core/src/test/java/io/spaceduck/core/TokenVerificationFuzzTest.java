package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.common.base.Suppliers;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Fuzz target (docs/fuzzing.md): certificate and session token verification, online (the engine) and
 * offline ({@link OfflineCertificateVerifier}, {@link OfflineSessionVerifier} on the engine's public
 * JWK set), with arbitrary tokens. The engine of the fixture has one live certificate and one live
 * session token; in the input, {@code $C} stands for the live certificate and {@code $S} for the live
 * session token, so that mutations start from real tokens (a changed header, a cut signature, the
 * parts of one kind spliced into the other). The first input byte is reserved (the rest is the token).
 *
 * <p>The contract, for every token: the four verifiers refuse only with their documented refusal
 * ({@link InvalidInput} for certificates, {@link Unauthenticated} for sessions); whatever a verifier
 * accepts decodes to exactly the live certificate or session (no other record, whatever the bytes);
 * no token is accepted both as a certificate and as a session (a token of one kind never passes as the
 * other); and only the engine's algorithm, ES256, is ever accepted (a token accepted must carry
 * {@code "alg":"ES256"} in its header, so {@code none}, HMAC with the public key and the like fail).
 */
class TokenVerificationFuzzTest {
  private static final class Fixture {
    final PeckFixture p = new PeckFixture();
    final BirthCertificate cert;
    final String certJws;
    final Session session;
    final String sessionJws;
    final AgentId audience;
    final OfflineCertificateVerifier offlineCerts;
    final OfflineSessionVerifier offlineSessions;

    Fixture() {
      PeckFixture.Op op = p.operator("Olive");
      PeckFixture.Op other = p.operator("Otto");
      PeckFixture.Ag a = p.agent(op, "asker", Tier.T1);
      PeckFixture.Ag b = p.agent(other, "target", Tier.T1);
      IssuedSession s = p.pecks.session(a.key(), p.active(a, b, other.key()).id());
      session = s.session();
      sessionJws = s.token().reveal();
      audience = session.peer();
      cert = p.engine.certificates().get(a.key(), a.cert()).certificate();
      certJws = cert.jws();
      String jwks = p.engine.certificates().publicJwks();
      offlineCerts = OfflineCertificateVerifier.fromJwks(jwks);
      offlineSessions = OfflineSessionVerifier.fromJwks(jwks, Clock.fixed(TestEngine.EPOCH, ZoneOffset.UTC));
    }
  }

  /** Built on the first input (the fuzzer's JVM builds it once). */
  private static final Supplier<Fixture> FIXTURE = Suppliers.memoize(Fixture::new);

  @FuzzTest
  void verifiersRefuseAllButTheLiveTokens(byte[] data) {
    Fixture f = FIXTURE.get();
    String token = data.length == 0 ? "" : new String(Arrays.copyOfRange(data, 1, data.length), StandardCharsets.UTF_8)
        .replace("$C", f.certJws)
        .replace("$S", f.sessionJws);

    BirthCertificate online = certificate(() -> f.p.engine.certificates().verify(token));
    BirthCertificate offline = certificate(() -> f.offlineCerts.verify(token));
    Session onlineSession = session(() -> f.p.pecks.verifySession(SessionToken.of(token), f.audience));
    Session onlineAny = session(() -> f.p.pecks.verifySession(SessionToken.of(token)));
    Session offlineSession = session(() -> f.offlineSessions.verify(SessionToken.of(token), f.audience));

    boolean asCert = online != null || offline != null;
    boolean asSession = onlineSession != null || onlineAny != null || offlineSession != null;
    if (asCert && asSession) {
      fail("one token accepted as a certificate and as a session");
    }
    for (BirthCertificate c : new BirthCertificate[] {online, offline}) {
      if (c != null) {
        assertEquals(f.cert, c, "a certificate other than the live one");
        onlyEs256(token);
      }
    }
    for (Session s : new Session[] {onlineSession, onlineAny, offlineSession}) {
      if (s != null) {
        assertEquals(f.session, s, "a session other than the live one");
        onlyEs256(token);
      }
    }
  }

  private static BirthCertificate certificate(Supplier<BirthCertificate> verify) {
    try {
      return verify.get();
    } catch (InvalidInput refused) {
      return null;
    }
  }

  private static Session session(Supplier<Session> verify) {
    try {
      return verify.get();
    } catch (Unauthenticated refused) {
      return null;
    }
  }

  /** The accepted token's protected header names ES256 (Tink checks it; this holds the engine to it). */
  private static void onlyEs256(String token) {
    int dot = token.indexOf('.');
    String header = new String(java.util.Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
    if (!header.replace(" ", "").contains("\"alg\":\"ES256\"")) {
      fail("accepted a token whose algorithm is not ES256: " + header);
    }
  }

  /** Tokens of one kind are refused as the other (a fixed check, not fuzzed, so it cannot rot). */
  @org.junit.jupiter.api.Test
  void theLiveTokensAreNotAcceptedAsTheOtherKind() {
    Fixture f = FIXTURE.get();
    assertThrows(InvalidInput.class, () -> f.offlineCerts.verify(f.sessionJws));
    assertThrows(InvalidInput.class, () -> f.p.engine.certificates().verify(f.sessionJws));
    assertThrows(Unauthenticated.class, () -> f.offlineSessions.verify(SessionToken.of(f.certJws), f.audience));
    assertThrows(Unauthenticated.class, () -> f.p.pecks.verifySession(SessionToken.of(f.certJws)));
    assertEquals(f.session, f.offlineSessions.verify(SessionToken.of(f.sessionJws), f.audience));
    assertEquals(f.cert, f.offlineCerts.verify(f.certJws));
  }
}
