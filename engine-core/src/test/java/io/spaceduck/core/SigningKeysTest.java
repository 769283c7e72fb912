package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.jwt.JwtPublicKeySign;
import com.google.crypto.tink.jwt.RawJwt;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.SigningKey;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.core.internal.TinkSetup;
import io.spaceduck.storage.Tables;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 #11: certificates and session tokens share the signing keyset, so each type is told apart
 * by its {@code typ} header (RFC 8725 §3.11) in every verifier the engine offers, session tokens name
 * their audience ({@code aud} = the peer), and an admin can retire an old signing key — removed from
 * the JWK set only when no current certificate depends on it or its date passes. Nimbus serves as an
 * independent verifier configured as {@code docs/keys.md} tells third parties to.
 */
class SigningKeysTest {
  /** What a test needs of one active peck: both agents, a third agent, a token and a certificate. */
  private record World(PeckFixture f, PeckFixture.Op op, PeckFixture.Ag a, PeckFixture.Ag b, PeckFixture.Ag c,
      SessionToken tokenOfA, BirthCertificate certOfA) {}

  private static World world(PeckFixture f) {
    PeckFixture.Op opA = f.operator("Olive");
    PeckFixture.Op opB = f.operator("Otto");
    PeckFixture.Ag a = f.agent(opA, "Scout", Tier.T1);
    PeckFixture.Ag b = f.agent(opB, "Peer", Tier.T1);
    PeckFixture.Ag c = f.agent(opB, "Third", Tier.T1);
    Peck p = f.active(a, b, opB.key());
    SessionToken t = f.pecks.session(a.key(), p.id()).token();
    BirthCertificate cert = f.engine.certificates().get(a.key(), a.cert()).certificate();
    return new World(f, opA, a, b, c, t, cert);
  }

  // ------------------------------------------------------------------ typ: no cross-type confusion

  @Test
  @Tag("P5")
  @Tag("C2")
  void certificate_isNeverASessionToken_andATokenNeverACertificate_onlineAndOffline() {
    try (PeckFixture f = new PeckFixture()) {
      World w = world(f);
      String jwks = f.engine.certificates().publicJwks();
      OfflineSessionVerifier sessions = OfflineSessionVerifier.fromJwks(jwks, f.t.clock);
      OfflineCertificateVerifier certs = OfflineCertificateVerifier.fromJwks(jwks);
      // each verifies as its own type
      assertEquals(w.a().id(), f.pecks.verifySession(w.tokenOfA(), w.b().id()).subject());
      assertEquals(w.a().id(), sessions.verify(w.tokenOfA(), w.b().id()).subject());
      assertEquals(w.certOfA(), certs.verify(w.certOfA().jws()));
      // and never as the other
      SessionToken certAsToken = SessionToken.of(w.certOfA().jws());
      assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(certAsToken));
      assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(certAsToken, w.b().id()));
      assertThrows(Unauthenticated.class, () -> sessions.verify(certAsToken, w.b().id()));
      assertThrows(InvalidInput.class, () -> f.engine.certificates().verify(w.tokenOfA().reveal()));
      assertThrows(InvalidInput.class, () -> certs.verify(w.tokenOfA().reveal()));
    }
  }

  /** The engine's own signing key, read from the store with the test's KEK: to forge what an attacker cannot. */
  private static JwtPublicKeySign engineSigner(TestEngine t) throws GeneralSecurityException {
    TinkSetup.config();
    Aead kek = new Aead() {
      @Override
      public byte[] encrypt(byte[] p, byte[] ad) throws GeneralSecurityException {
        return t.kek.encrypt(p, ad);
      }

      @Override
      public byte[] decrypt(byte[] c, byte[] ad) throws GeneralSecurityException {
        return t.kek.decrypt(c, ad);
      }
    };
    byte[] stored = t.storage.get(Tables.KEYSETS, "signing").orElseThrow().value().encryptedKeyset().toByteArray();
    KeysetHandle h = TinkProtoKeysetFormat.parseEncryptedKeyset(stored, kek, "spaceduck-keyset:signing".getBytes());
    return h.getPrimitive(TinkSetup.config(), JwtPublicKeySign.class);
  }

  /**
   * Tokens signed by the engine's real key but typed or addressed wrongly are refused: the type
   * header, not the signature alone, decides what a JWT is. (Only the test can sign these: it reads
   * the keyset with the KEK.)
   */
  @Test
  @Tag("P5")
  @Tag("C2")
  void validlySignedTokens_ofTheWrongTypeOrAudience_areRefusedEverywhere() throws Exception {
    try (PeckFixture f = new PeckFixture()) {
      World w = world(f);
      JwtPublicKeySign signer = engineSigner(f.t);
      Session s = f.pecks.verifySession(w.tokenOfA(), w.b().id());
      Instant now = f.t.clock.instant();
      Map<String, RawJwt.Builder> forged = new java.util.LinkedHashMap<>();
      forged.put("session claims typed as a certificate", session(s, now).setTypeHeader("sd-cert+jwt"));
      forged.put("session claims without a type", session(s, now).setTypeHeader("JWT"));
      forged.put("session without an audience", sessionNoAud(s, now));
      forged.put("session for another audience", session(s, now).setAudience(w.c().id().value()));
      forged.put("session for two audiences", sessionNoAud(s, now).setAudiences(List.of(w.b().id().value(), w.c().id().value())));
      String jwks = f.engine.certificates().publicJwks();
      OfflineSessionVerifier offline = OfflineSessionVerifier.fromJwks(jwks, f.t.clock);
      for (Map.Entry<String, RawJwt.Builder> e : forged.entrySet()) {
        SessionToken token = SessionToken.of(signer.signAndEncode(e.getValue().build()));
        assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(token), e.getKey());
        assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(token, w.b().id()), e.getKey());
        assertThrows(Unauthenticated.class, () -> offline.verify(token, w.b().id()), e.getKey());
      }
      // a control: the same builder, typed and addressed right, passes
      SessionToken good = SessionToken.of(signer.signAndEncode(session(s, now).build()));
      assertEquals(s, f.pecks.verifySession(good, w.b().id()));
      // certificate claims typed as a session token are neither
      RawJwt certTypedAsSession =
          RawJwt.newBuilder().setTypeHeader("sd-peck+jwt").setIssuer("spaceduck").setJwtId(w.certOfA().id().value())
              .setSubject(w.a().id().value()).setIssuedAt(now).withoutExpiration()
              .addStringClaim("kind", "agent").addStringClaim("name", "Scout").addStringClaim("tier", "T1")
              .addStringClaim("engine_version", "x").addStringClaim("operator_id", w.a().operator().value()).build();
      String jws = signer.signAndEncode(certTypedAsSession);
      assertThrows(InvalidInput.class, () -> f.engine.certificates().verify(jws));
      assertThrows(InvalidInput.class, () -> OfflineCertificateVerifier.fromJwks(jwks).verify(jws));
      assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(SessionToken.of(jws)));
    }
  }

  private static RawJwt.Builder sessionNoAud(Session s, Instant now) {
    return RawJwt.newBuilder().setTypeHeader("sd-peck+jwt").setIssuer("spaceduck").setJwtId("forged")
        .setSubject(s.subject().value()).setIssuedAt(Instant.ofEpochSecond(now.getEpochSecond()))
        .setExpiration(s.expiresAt()).addStringClaim("peer", s.peer().value())
        .addStringClaim("peck_id", s.peck().value()).addStringClaim("scope", String.join(" ", s.scope()));
  }

  private static RawJwt.Builder session(Session s, Instant now) {
    return sessionNoAud(s, now).setAudience(s.peer().value());
  }

  // ------------------------------------------------------------------ aud

  @Test
  @Tag("P5")
  void sessionToken_namesItsPeerAsAudience_andFailsForAnyOtherAgent() throws Exception {
    try (PeckFixture f = new PeckFixture()) {
      World w = world(f);
      JWTClaimsSet claims = SignedJWT.parse(w.tokenOfA().reveal()).getJWTClaimsSet();
      assertEquals(List.of(w.b().id().value()), claims.getAudience(), "aud is the peer (RFC 8707 resource)");
      OfflineSessionVerifier offline = OfflineSessionVerifier.fromJwks(f.engine.certificates().publicJwks(), f.t.clock);
      assertEquals(w.b().id(), offline.verify(w.tokenOfA(), w.b().id()).peer());
      for (var wrong : List.of(w.a().id(), w.c().id())) {
        assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(w.tokenOfA(), wrong), "online, " + wrong);
        assertThrows(Unauthenticated.class, () -> offline.verify(w.tokenOfA(), wrong), "offline, " + wrong);
      }
      // the token of the other side is addressed to A
      Peck p = f.pecks.get(w.b().key(), f.pecks.verifySession(w.tokenOfA()).peck());
      SessionToken ofB = f.pecks.session(w.b().key(), p.id()).token();
      assertEquals(w.b().id(), f.pecks.verifySession(ofB, w.a().id()).subject());
      assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(ofB, w.b().id()));
    }
  }

  /**
   * A third party following docs/keys.md with an independent library (Nimbus): the type header and
   * the audience are required; a certificate fails the session check and a token the certificate check.
   */
  @Test
  @Tag("P5")
  @Tag("C2")
  void nimbus_configuredAsDocumented_acceptsEachTypeOnlyAsItself() throws Exception {
    try (PeckFixture f = new PeckFixture()) {
      World w = world(f);
      JWKSet jwks = JWKSet.parse(f.engine.certificates().publicJwks());
      DefaultJWTProcessor<SecurityContext> sessions = new DefaultJWTProcessor<>();
      sessions.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("sd-peck+jwt")));
      sessions.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, new ImmutableJWKSet<>(jwks)));
      sessions.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
          w.b().id().value(), new JWTClaimsSet.Builder().issuer("spaceduck").build(), Set.of("sub", "exp", "peck_id")));
      DefaultJWTProcessor<SecurityContext> certs = new DefaultJWTProcessor<>();
      certs.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("sd-cert+jwt")));
      certs.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, new ImmutableJWKSet<>(jwks)));
      certs.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
          new JWTClaimsSet.Builder().issuer("spaceduck").build(), Set.of("sub", "jti", "tier")));
      // (Nimbus checks exp against the wall clock, not the test clock: the token's own acceptance is
      // shown by its type, signature and audience below instead of by process())
      assertEquals(w.a().id().value(), certs.process(w.certOfA().jws(), null).getSubject());
      assertThrows(Exception.class, () -> certs.process(w.tokenOfA().reveal(), null), "a token is no certificate");
      assertThrows(Exception.class, () -> sessions.process(w.certOfA().jws(), null), "a certificate is no token");
      SignedJWT parsed = SignedJWT.parse(w.tokenOfA().reveal());
      assertEquals("sd-peck+jwt", parsed.getHeader().getType().getType());
      assertTrue(parsed.verify(new com.nimbusds.jose.crypto.ECDSAVerifier(
          jwks.getKeyByKeyId(parsed.getHeader().getKeyID()).toECKey())), "signed by a published key");
    }
  }

  // ------------------------------------------------------------------ rotation and retirement

  private static Set<String> kids(String jwks) throws Exception {
    Set<String> kids = new HashSet<>();
    JWKSet.parse(jwks).getKeys().forEach(k -> kids.add(k.getKeyID()));
    return kids;
  }

  private static String kidOf(String jws) throws Exception {
    return SignedJWT.parse(jws).getHeader().getKeyID();
  }

  private static List<AuditEvent> events(TestEngine t, AuditAction action) {
    return t.storage.auditRange(1, 10_000).stream().filter(e -> e.action().equals(action.code())).toList();
  }

  @Test
  @Tag("C2")
  void rotation_oldCertificatesKeepVerifying_onlineAndOffline() throws Exception {
    try (PeckFixture f = new PeckFixture()) {
      World w = world(f);
      String oldKid = kidOf(w.certOfA().jws());
      String newKid = f.engine.admin().addSigningKey(f.adminKey);
      assertTrue(kids(f.engine.certificates().publicJwks()).containsAll(Set.of(oldKid, newKid)), "published before it signs");
      f.engine.admin().promoteSigningKey(f.adminKey, newKid);
      HatchResult later = f.t.hatch("Later");
      assertEquals(newKid, kidOf(later.certificate().jws()));
      String jwks = f.engine.certificates().publicJwks();
      for (BirthCertificate c : List.of(w.certOfA(), later.certificate())) {
        assertEquals(c, f.engine.certificates().verify(c.jws()));
        assertEquals(c, OfflineCertificateVerifier.fromJwks(jwks).verify(c.jws()));
      }
      assertEquals(w.a().id(), f.pecks.verifySession(w.tokenOfA(), w.b().id()).subject(), "an old-key token too");
      assertEquals(List.of(new SigningKey(newKid, SigningKey.State.PRIMARY, Optional.empty()),
              new SigningKey(oldKid, SigningKey.State.ACTIVE, Optional.empty())),
          f.engine.admin().signingKeys(f.adminKey));
    }
  }

  @Test
  @Tag("C2")
  @Tag("I4")
  void retiring_withCurrentCertificates_keepsTheKeyPublishedUntilItsDate_thenDropsIt() throws Exception {
    try (PeckFixture f = new PeckFixture()) {
      World w = world(f);
      String oldKid = kidOf(w.certOfA().jws());
      String newKid = f.engine.admin().addSigningKey(f.adminKey);
      f.engine.admin().promoteSigningKey(f.adminKey, newKid);
      Instant date = f.t.clock.instant().plus(Duration.ofDays(7));
      SigningKey r = f.engine.admin().retireSigningKey(f.adminKey, oldKid, date);
      assertEquals(new SigningKey(oldKid, SigningKey.State.RETIRING, Optional.of(date)), r);
      AuditEvent e = events(f.t, AuditAction.SIGNING_KEY_RETIRED).get(0);
      assertEquals("at_not_after", e.details().get("removed"));
      assertNotEquals("0", e.details().get("current_certificates"));
      // before the date: still published, old certificates and tokens verify
      f.t.clock.advance(Duration.ofDays(7).minusSeconds(1));
      assertTrue(kids(f.engine.certificates().publicJwks()).contains(oldKid));
      assertEquals(w.certOfA(), f.engine.certificates().verify(w.certOfA().jws()));
      // a retiring key is never promoted back
      assertThrows(Forbidden.class, () -> f.engine.admin().promoteSigningKey(f.adminKey, oldKid));
      // at the date: gone from the JWK set and from every verifier
      f.t.clock.advance(Duration.ofSeconds(1));
      String jwks = f.engine.certificates().publicJwks();
      assertFalse(kids(jwks).contains(oldKid));
      assertTrue(kids(jwks).contains(newKid));
      assertThrows(InvalidInput.class, () -> f.engine.certificates().verify(w.certOfA().jws()));
      assertThrows(InvalidInput.class, () -> OfflineCertificateVerifier.fromJwks(jwks).verify(w.certOfA().jws()));
      assertThrows(Unauthenticated.class, () -> f.pecks.verifySession(w.tokenOfA(), w.b().id()),
          "a cached token of the retired key fails too");
      assertEquals(SigningKey.State.RETIRED, f.engine.admin().signingKeys(f.adminKey).get(1).state());
      // the certificate itself stays stored and retrievable (C3)
      assertEquals(w.certOfA(), f.engine.certificates().get(f.adminKey, w.certOfA().id()).certificate());
    }
  }

  @Test
  @Tag("C2")
  @Tag("C3")
  @Tag("I6")
  @Tag("I4")
  void reissue_thenRetire_removesTheKeyAtOnce_andEveryCurrentCertificateStillVerifies() throws Exception {
    try (PeckFixture f = new PeckFixture()) {
      World w = world(f);
      HatchResult gone = f.t.hatch("Gone");
      f.engine.identities().requestDeletion(gone.key().key(), gone.duckling().id(), ReasonCode.DELETION_REQUEST);
      String oldKid = kidOf(w.certOfA().jws());
      String newKid = f.engine.admin().addSigningKey(f.adminKey);
      f.engine.admin().promoteSigningKey(f.adminKey, newKid);
      long before = events(f.t, AuditAction.CERTIFICATE_REISSUED).size();
      int n = f.engine.admin().reissueCertificates(f.adminKey, oldKid);
      // admin, two operators, three agents — not the deleted duckling
      assertEquals(6, n);
      assertEquals(before + n, events(f.t, AuditAction.CERTIFICATE_REISSUED).size(), "one event per certificate");
      assertEquals(0, f.engine.admin().reissueCertificates(f.adminKey, oldKid), "idempotent");
      SigningKey r = f.engine.admin().retireSigningKey(f.adminKey, oldKid, f.t.clock.instant().plus(Duration.ofDays(365)));
      assertEquals(SigningKey.State.RETIRED, r.state(), "no current certificate depends on it: removed now");
      assertEquals("now", events(f.t, AuditAction.SIGNING_KEY_RETIRED).get(0).details().get("removed"));
      String jwks = f.engine.certificates().publicJwks();
      assertEquals(Set.of(newKid), kids(jwks));
      // A's new certificate supersedes the old one, same content, new key
      var history = f.engine.certificates().history(w.a().key(), w.a().id());
      assertEquals(2, history.size());
      BirthCertificate now = history.get(1).certificate();
      assertEquals(CertStatus.CURRENT, history.get(1).status());
      assertEquals(Optional.of(w.certOfA().id()), now.supersedes());
      assertEquals(w.certOfA().tier(), now.tier());
      assertEquals(w.certOfA().displayName(), now.displayName());
      assertEquals(newKid, kidOf(now.jws()));
      assertEquals(now, OfflineCertificateVerifier.fromJwks(jwks).verify(now.jws()));
      assertThrows(InvalidInput.class, () -> f.engine.certificates().verify(w.certOfA().jws()), "the superseded one no longer");
      // pecks target the new certificate (the superseded one is refused, P2); the agents keep working
      PeckFixture.Op opC = f.operator("Third op");
      PeckFixture.Ag d = f.agent(opC, "Dee", Tier.T1);
      PeckFixture.Ag aNow = new PeckFixture.Ag(w.a().id(), w.a().key(), w.a().keyId(), now.id(), w.a().bond(),
          w.a().operator(), w.a().tier());
      Peck p = f.active(d, aNow, w.op().key());
      assertEquals(d.id(), f.pecks.verifySession(f.pecks.session(d.key(), p.id()).token(), w.a().id()).subject());
      assertTrue(f.engine.audit().verify(f.adminKey).valid());
    }
  }

  @Test
  @Tag("C2")
  @Tag("A1")
  void retirement_isRefused_forThePrimary_unknownKids_andNonAdmins() throws Exception {
    try (PeckFixture f = new PeckFixture()) {
      World w = world(f);
      String primary = kidOf(w.certOfA().jws());
      Instant soon = f.t.clock.instant().plusSeconds(60);
      assertThrows(Forbidden.class, () -> f.engine.admin().retireSigningKey(f.adminKey, primary, soon));
      assertEquals(AuditOutcome.DENIED, events(f.t, AuditAction.SIGNING_KEY_RETIRED).get(0).outcome());
      assertThrows(NotFound.class, () -> f.engine.admin().retireSigningKey(f.adminKey, "AAAAAA", soon));
      assertThrows(InvalidInput.class, () -> f.engine.admin().retireSigningKey(f.adminKey, "bk_not_a_kid", soon));
      String added = f.engine.admin().addSigningKey(f.adminKey);
      assertThrows(Forbidden.class, () -> f.engine.admin().retireSigningKey(w.op().key(), added, soon));
      assertThrows(Forbidden.class, () -> f.engine.admin().reissueCertificates(w.op().key(), primary));
      assertThrows(Forbidden.class, () -> f.engine.admin().signingKeys(w.op().key()));
      assertTrue(kids(f.engine.certificates().publicJwks()).containsAll(Set.of(primary, added)), "nothing retired");
      // a key that never signed anything retires at once
      assertEquals(SigningKey.State.RETIRED, f.engine.admin().retireSigningKey(f.adminKey, added, soon).state());
      assertEquals(Set.of(primary), kids(f.engine.certificates().publicJwks()));
    }
  }

  /** Two engine instances on one store: a retirement through one is seen by the other (C2, like K4). */
  @Test
  @Tag("C2")
  void retirementThroughOneInstance_isSeenByAnother() throws Exception {
    io.spaceduck.storage.memory.InMemoryStorage store = new io.spaceduck.storage.memory.InMemoryStorage();
    var kek = TestEngine.newKek();
    try (TestEngine one = new TestEngine(store, kek, b -> {}); TestEngine two = new TestEngine(store, kek, b -> {})) {
      HatchResult admin = one.bootstrap();
      var key = admin.key().key();
      String first = kidOf(admin.certificate().jws());
      String second = one.engine.admin().addSigningKey(key);
      String third = one.engine.admin().addSigningKey(key);
      one.engine.admin().promoteSigningKey(key, second);
      assertEquals(Set.of(first, second, third), kids(two.engine.certificates().publicJwks()));
      // scheduled through one: two keeps publishing until the date on its own clock, then drops it
      Instant date = one.clock.instant().plus(Duration.ofDays(1));
      one.engine.admin().retireSigningKey(key, first, date);
      assertEquals(SigningKey.State.RETIRING, two.engine.admin().signingKeys(key).stream()
          .filter(k -> k.kid().equals(first)).findFirst().orElseThrow().state());
      assertTrue(kids(two.engine.certificates().publicJwks()).contains(first));
      two.clock.advance(Duration.ofDays(1));
      assertFalse(kids(two.engine.certificates().publicJwks()).contains(first));
      assertThrows(InvalidInput.class, () -> two.engine.certificates().verify(admin.certificate().jws()));
      // removed through one at once (it never signed): gone from two's set on the next read
      one.engine.admin().retireSigningKey(key, third, one.clock.instant());
      assertEquals(Set.of(second), kids(two.engine.certificates().publicJwks()));
    }
  }
}
