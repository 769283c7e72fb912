package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.CertId;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Birth certificates, C1–C5, verified where it matters with an independent JOSE library (Nimbus
 * JOSE+JWT), the way a third party would.
 */
class CertificatesTest {
  /** Every claim a certificate may carry (C1); anything else (a credential, say) is a leak. */
  private static final Set<String> CERT_CLAIMS =
      Set.of("iss", "jti", "sub", "iat", "kind", "name", "tier", "engine_version", "operator_id", "supersedes");

  // ------------------------------------------------------------------ helpers

  private static Map<String, Object> payloadByHand(String jws) throws Exception {
    String[] parts = jws.split("\\.");
    assertEquals(3, parts.length, "a compact JWS has three parts");
    String json = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    return JSONObjectUtils.parse(json);
  }

  private static String payloadJson(String jws) {
    return new String(Base64.getUrlDecoder().decode(jws.split("\\.")[1]), StandardCharsets.UTF_8);
  }

  private static String kidOf(String jws) throws Exception {
    return SignedJWT.parse(jws).getHeader().getKeyID();
  }

  /** Verifies {@code jws} with Nimbus and the JWK named by its {@code kid} in {@code jwksJson}. */
  private static boolean nimbusVerifies(String jwksJson, String jws) throws Exception {
    JWKSet set = JWKSet.parse(jwksJson);
    SignedJWT jwt = SignedJWT.parse(jws);
    if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
      return false;
    }
    JWK jwk = set.getKeyByKeyId(jwt.getHeader().getKeyID());
    if (jwk == null) {
      return false;
    }
    return jwt.verify(new ECDSAVerifier(jwk.toECKey()));
  }

  /** Whether any key of the set verifies the signature, whatever the {@code kid} says. */
  private static boolean anyKeyVerifies(String jwksJson, String jws) throws Exception {
    SignedJWT jwt = SignedJWT.parse(jws);
    for (JWK jwk : JWKSet.parse(jwksJson).getKeys()) {
      if (jwt.verify(new ECDSAVerifier(jwk.toECKey()))) {
        return true;
      }
      jwt = SignedJWT.parse(jws); // a verified/failed object keeps its state; start afresh
    }
    return false;
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String withPayload(String jws, UnaryOperator<String> edit) {
    String[] p = jws.split("\\.");
    String json = new String(Base64.getUrlDecoder().decode(p[1]), StandardCharsets.UTF_8);
    String edited = edit.apply(json);
    assertNotEquals(json, edited, "the tampering must change something");
    return p[0] + "." + b64(edited) + "." + p[2];
  }

  private static String withHeader(String jws, UnaryOperator<String> edit) {
    String[] p = jws.split("\\.");
    String json = new String(Base64.getUrlDecoder().decode(p[0]), StandardCharsets.UTF_8);
    String edited = edit.apply(json);
    assertNotEquals(json, edited, "the tampering must change something");
    return b64(edited) + "." + p[1] + "." + p[2];
  }

  private static void assertRefused(TestEngine t, String jwks, String token) {
    InvalidInput online = assertThrows(InvalidInput.class, () -> t.engine.certificates().verify(token));
    assertEquals("certificate", online.field());
    OfflineCertificateVerifier offline = OfflineCertificateVerifier.fromJwks(jwks);
    assertThrows(InvalidInput.class, () -> offline.verify(token));
  }

  private static List<AuditEvent> events(TestEngine t) {
    return t.storage.auditRange(1, 10_000);
  }

  // ------------------------------------------------------------------ C1

  @Test
  @Tag("C1")
  void ducklingCertificate_claimsNameTheIdentity_andCarryNoKeyMaterial() throws Exception {
    try (TestEngine t = new TestEngine()) {
      HatchResult alice = t.hatch("Alice");
      BirthCertificate c = alice.certificate();

      Map<String, Object> claims = payloadByHand(c.jws());

      assertEquals(c.id().value(), claims.get("jti"));
      assertTrue(c.id().value().startsWith(CertId.PREFIX));
      assertEquals(alice.duckling().id().value(), claims.get("sub"));
      assertEquals(TestEngine.EPOCH.getEpochSecond(), ((Number) claims.get("iat")).longValue());
      assertEquals("duckling", claims.get("kind"));
      assertEquals("Alice", claims.get("name"));
      assertEquals("T1", claims.get("tier"));
      assertEquals(t.engine.engineVersion(), claims.get("engine_version"));
      assertFalse(claims.containsKey("operator_id"));
      assertFalse(claims.containsKey("supersedes"));
      assertTrue(CERT_CLAIMS.containsAll(claims.keySet()), "unexpected claims: " + claims.keySet());

      // the same through Nimbus' claim parser
      JWTClaimsSet parsed = SignedJWT.parse(c.jws()).getJWTClaimsSet();
      assertEquals(c.id().value(), parsed.getJWTID());
      assertEquals(c.issuedAt(), parsed.getIssueTime().toInstant());
      assertNull(parsed.getExpirationTime(), "certificates are permanent");

      // a certificate is shareable: it never carries the credential returned beside it (C1, K1)
      String raw = alice.key().key().reveal();
      String json = payloadJson(c.jws());
      assertFalse(c.jws().contains(raw));
      assertFalse(json.contains(raw.substring(20)), "no key secret");
      assertFalse(json.contains(alice.key().info().id().value()), "no key id");
      assertFalse(json.contains(BeakKey.PREFIX));
      assertFalse(c.toString().contains(raw.substring(20)));
    }
  }

  @Test
  @Tag("C1")
  @Tag("C3")
  void agentCertificate_namesTheOperator_andAPromotionNamesWhatItSupersedes() throws Exception {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult op = t.hatch("Operator");
      BirthCertificate promoted = t.engine.identities().promote(admin, op.duckling().id(), Tier.T2);
      BondResult bot = t.bond(op.key().key(), "Scout", Tier.T1);

      Map<String, Object> agentClaims = payloadByHand(bot.certificate().jws());
      assertEquals("agent", agentClaims.get("kind"));
      assertEquals(bot.agent().id().value(), agentClaims.get("sub"));
      assertEquals(op.duckling().id().value(), agentClaims.get("operator_id"));
      assertEquals("Scout", agentClaims.get("name"));
      assertEquals("T1", agentClaims.get("tier"));
      assertFalse(agentClaims.containsKey("supersedes"));
      assertTrue(CERT_CLAIMS.containsAll(agentClaims.keySet()), "unexpected claims: " + agentClaims.keySet());
      assertFalse(bot.certificate().jws().contains(bot.key().key().reveal().substring(20)));

      Map<String, Object> promotedClaims = payloadByHand(promoted.jws());
      assertEquals(op.certificate().id().value(), promotedClaims.get("supersedes"));
      assertEquals("T2", promotedClaims.get("tier"));
      assertEquals(op.duckling().id().value(), promotedClaims.get("sub"));
      assertNotEquals(op.certificate().id().value(), promotedClaims.get("jti"));
    }
  }

  // ------------------------------------------------------------------ C2

  @Test
  @Tag("C2")
  void certificates_verifyWithNimbus_usingThePublicJwkSet_whichHoldsNoPrivateKey() throws Exception {
    try (TestEngine t = new TestEngine()) {
      HatchResult alice = t.hatch("Alice");
      String jwks = t.engine.certificates().publicJwks();

      JWKSet set = JWKSet.parse(jwks);
      assertFalse(set.getKeys().isEmpty());
      for (JWK k : set.getKeys()) {
        assertFalse(k.isPrivate(), "a public JWK set must hold no private key");
      }
      SignedJWT jwt = SignedJWT.parse(alice.certificate().jws());
      assertEquals(JWSAlgorithm.ES256, jwt.getHeader().getAlgorithm());
      assertNotNull(jwt.getHeader().getKeyID());
      assertTrue(nimbusVerifies(jwks, alice.certificate().jws()));

      assertEquals(alice.certificate(), t.engine.certificates().verify(alice.certificate().jws()));
      assertEquals(alice.certificate(), OfflineCertificateVerifier.fromJwks(jwks).verify(alice.certificate().jws()));
    }
  }

  @Test
  @Tag("C2")
  @Tag("A1")
  void signingKeyRotation_oldAndNewCertificatesBothVerify_withNimbusAndOffline() throws Exception {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult alice = t.hatch("Alice");
      String jwksBefore = t.engine.certificates().publicJwks();
      String oldKid = kidOf(alice.certificate().jws());
      assertNotNull(JWKSet.parse(jwksBefore).getKeyByKeyId(oldKid));

      String newKid = t.engine.admin().addSigningKey(admin);

      assertNotEquals(oldKid, newKid);
      String jwksAdded = t.engine.certificates().publicJwks();
      assertNotNull(JWKSet.parse(jwksAdded).getKeyByKeyId(newKid), "published before it signs");
      // added, not yet primary: new certificates are still signed with the old key
      BirthCertificate promotedBeforeSwitch = t.engine.identities().promote(admin, alice.duckling().id(), Tier.T2);
      assertEquals(oldKid, kidOf(promotedBeforeSwitch.jws()));

      t.engine.admin().promoteSigningKey(admin, newKid);
      BondResult bot = t.bond(alice.key().key(), "Scout", Tier.T1);
      BirthCertificate newCert = bot.certificate();

      assertEquals(newKid, kidOf(newCert.jws()));
      String jwksAfter = t.engine.certificates().publicJwks();
      for (BirthCertificate c : List.of(alice.certificate(), promotedBeforeSwitch, newCert)) {
        assertTrue(nimbusVerifies(jwksAfter, c.jws()), "Nimbus verifies " + c.id());
        assertEquals(c, OfflineCertificateVerifier.fromJwks(jwksAfter).verify(c.jws()));
        assertEquals(c, t.engine.certificates().verify(c.jws()));
      }
      // a verifier holding only the old set does not know the new key
      assertFalse(nimbusVerifies(jwksBefore, newCert.jws()));
      assertThrows(InvalidInput.class, () -> OfflineCertificateVerifier.fromJwks(jwksBefore).verify(newCert.jws()));
      assertTrue(nimbusVerifies(jwksBefore, alice.certificate().jws()));

      List<String> actions = events(t).stream().map(AuditEvent::action).toList();
      assertTrue(actions.contains(AuditAction.SIGNING_KEY_ADDED.code()));
      assertTrue(actions.contains(AuditAction.SIGNING_KEY_PROMOTED.code()));
    }
  }

  @Test
  @Tag("C2")
  void foreignForgedAndTamperedTokens_areRefused() throws Exception {
    try (TestEngine t = new TestEngine();
        TestEngine other = new TestEngine()) {
      HatchResult alice = t.hatch("Alice");
      String jws = alice.certificate().jws();
      String jwks = t.engine.certificates().publicJwks();
      String ourKid = kidOf(jws);

      // signed by another engine's key
      String foreign = other.hatch("Mallory").certificate().jws();
      assertTrue(nimbusVerifies(other.engine.certificates().publicJwks(), foreign), "sanity: valid where it came from");
      assertFalse(anyKeyVerifies(jwks, foreign));
      assertRefused(t, jwks, foreign);
      // ... even when its header claims our kid
      String foreignKid = kidOf(foreign);
      String foreignWithOurKid = withHeader(foreign, h -> h.replace(foreignKid, ourKid));
      assertFalse(nimbusVerifies(jwks, foreignWithOurKid));
      assertRefused(t, jwks, foreignWithOurKid);

      // payload tampered (self-promotion in the token), signature kept
      String tampered = withPayload(jws, p -> p.replace("\"tier\":\"T1\"", "\"tier\":\"T3\""));
      assertFalse(nimbusVerifies(jwks, tampered));
      assertRefused(t, jwks, tampered);
      String renamed = withPayload(jws, p -> p.replace("\"name\":\"Alice\"", "\"name\":\"Alicf\""));
      assertRefused(t, jwks, renamed);

      // signature tampered in its middle (the last base64url character may carry only padding bits)
      String[] parts = jws.split("\\.");
      char[] sig = parts[2].toCharArray();
      sig[sig.length / 2] = sig[sig.length / 2] == 'A' ? 'B' : 'A';
      String badSig = parts[0] + "." + parts[1] + "." + new String(sig);
      assertFalse(nimbusVerifies(jwks, badSig));
      assertRefused(t, jwks, badSig);

      // unsigned: alg "none" with the real claims
      String none = b64("{\"alg\":\"none\",\"kid\":\"" + ourKid + "\",\"typ\":\"sd-cert+jwt\"}") + "." + parts[1] + ".";
      assertRefused(t, jwks, none);

      // the genuine token still verifies after all that
      assertEquals(alice.certificate(), t.engine.certificates().verify(jws));
    }
  }

  // ------------------------------------------------------------------ C3

  @Test
  @Tag("C3")
  @Tag("I6")
  void promotion_supersedes_oldCertificateStaysRetrievableUnchanged_andOnlyTheNewestIsCurrent() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey op = t.operator(admin, "Operator");
      BondResult bot = t.bond(op, "Climber", Tier.T0);
      BirthCertificate c0 = bot.certificate();

      BirthCertificate c1 = t.engine.identities().promote(op, bot.agent().id(), Tier.T1);
      BirthCertificate c2 = t.engine.identities().promote(op, bot.agent().id(), Tier.T2);

      assertEquals(c0.id(), c1.supersedes().orElseThrow());
      assertEquals(c1.id(), c2.supersedes().orElseThrow());
      CertificateView v0 = t.engine.certificates().get(op, c0.id());
      CertificateView v1 = t.engine.certificates().get(op, c1.id());
      CertificateView v2 = t.engine.certificates().get(op, c2.id());
      assertEquals(c0, v0.certificate(), "immutable: the very same signed record");
      assertEquals(c1, v1.certificate());
      assertEquals(CertStatus.SUPERSEDED, v0.status());
      assertEquals(CertStatus.SUPERSEDED, v1.status());
      assertEquals(CertStatus.CURRENT, v2.status());
      assertEquals(Tier.T0, v0.certificate().tier());

      List<CertificateView> history = t.engine.certificates().history(op, bot.agent().id());
      assertEquals(List.of(c0, c1, c2), history.stream().map(CertificateView::certificate).toList());
      assertEquals(1, history.stream().filter(v -> v.status() == CertStatus.CURRENT).count());
      // superseded certificates still verify (they were true when issued)
      assertEquals(c0, t.engine.certificates().verify(c0.jws()));
    }
  }

  // ------------------------------------------------------------------ C4

  @Test
  @Tag("C4")
  @Tag("K6")
  void lookup_requiresAValidCaller_malformedUnknownAndRevokedKeysAreUnauthenticated() {
    try (TestEngine t = new TestEngine()) {
      HatchResult alice = t.hatch("Alice");
      HatchResult bob = t.hatch("Bob");
      CertId cert = alice.certificate().id();
      String aliceRaw = alice.key().key().reveal();

      List<BeakKey> bad =
          List.of(
              BeakKey.of(""),
              BeakKey.of("not a key"),
              BeakKey.of(aliceRaw.substring(0, 40)),
              BeakKey.of("bk_" + "a".repeat(16) + "_" + "b".repeat(52)), // well-formed, unknown
              BeakKey.of(aliceRaw.substring(0, 20) + "c".repeat(52))); // known id, wrong secret
      for (BeakKey k : bad) {
        assertUnauthenticated(() -> t.engine.certificates().get(k, cert));
        assertUnauthenticated(() -> t.engine.certificates().history(k, alice.duckling().id()));
        assertUnauthenticated(() -> t.engine.certificates().renderHtml(k, cert));
        // no existence oracle: an unknown certificate is still "unauthenticated" without a valid key
        assertUnauthenticated(() -> t.engine.certificates().get(k, new CertId("ct_" + "z".repeat(26))));
      }

      // a valid caller works ...
      assertEquals(alice.certificate(), t.engine.certificates().get(bob.key().key(), cert).certificate());
      // ... until its key is revoked
      t.engine.keys().revoke(bob.key().key(), bob.key().info().id(), ReasonCode.COMPROMISED);
      assertUnauthenticated(() -> t.engine.certificates().get(bob.key().key(), cert));

      // an unknown certificate id with a valid caller is NotFound
      NotFound nf =
          assertThrows(NotFound.class, () -> t.engine.certificates().get(alice.key().key(), new CertId("ct_" + "z".repeat(26))));
      assertEquals(ErrorCode.NOT_FOUND, nf.code());
    }
  }

  private static void assertUnauthenticated(Executable call) {
    Unauthenticated e = assertThrows(Unauthenticated.class, call);
    assertEquals(Unauthenticated.MESSAGE, e.getMessage());
  }

  // ------------------------------------------------------------------ C5

  @Test
  @Tag("C5")
  void htmlCard_escapesAHostileDisplayName() {
    try (TestEngine t = new TestEngine()) {
      String hostile = "<script>alert(1)</script>\"'&";
      HatchResult h = t.hatch(hostile);
      assertEquals(hostile, h.duckling().displayName(), "a valid (if unfriendly) name");

      String html = t.engine.certificates().renderHtml(h.key().key(), h.certificate().id());

      assertFalse(html.toLowerCase().contains("<script"), html);
      assertFalse(html.contains(hostile));
      assertFalse(html.contains("\"'&"));
      assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"), html);
      assertTrue(html.contains(h.certificate().id().value()));
      assertTrue(html.contains("current"));
    }
  }

  @Test
  @Tag("C5")
  void htmlCard_escapesAHostileAgentName_andShowsSupersededStatus() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey op = t.operator(admin, "Operator");
      BondResult bot = t.bond(op, "</title><img src=x onerror=alert(1)>", Tier.T0);
      t.engine.identities().promote(op, bot.agent().id(), Tier.T1);

      String html = t.engine.certificates().renderHtml(op, bot.certificate().id());

      assertFalse(html.toLowerCase().contains("<img"), html);
      assertEquals(1, html.split("</title>", -1).length - 1, "only the card's own title closes");
      assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
      assertTrue(html.contains("superseded"));
    }
  }

  // ------------------------------------------------------------------ signing keys are admin-only

  @Test
  @Tag("C2")
  @Tag("A1")
  void signingKeyManagement_isAdminOnly_andDenialsAreAudited() throws Exception {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey op = t.operator(admin, "Operator (T2, not admin)");
      HatchResult duckling = t.hatch("Plain duckling");
      String opId = t.engine.authenticate(op).id().value();
      String jwks = t.engine.certificates().publicJwks();
      String kid = JWKSet.parse(jwks).getKeys().get(0).getKeyID();
      int before = events(t).size();

      assertThrows(Forbidden.class, () -> t.engine.admin().addSigningKey(op));
      assertThrows(Forbidden.class, () -> t.engine.admin().promoteSigningKey(op, kid));
      assertThrows(Forbidden.class, () -> t.engine.admin().addSigningKey(duckling.key().key()));

      assertEquals(jwks, t.engine.certificates().publicJwks(), "no key was added");
      List<AuditEvent> denied = events(t).subList(before, events(t).size());
      assertEquals(3, denied.size());
      assertTrue(denied.stream().allMatch(e -> e.outcome() == AuditOutcome.DENIED));
      assertTrue(denied.stream().allMatch(e -> e.reason().equals(ReasonCode.NOT_PERMITTED)));
      assertEquals(AuditAction.SIGNING_KEY_ADDED.code(), denied.get(0).action());
      assertEquals(opId, denied.get(0).actor());
      assertEquals(AuditAction.SIGNING_KEY_PROMOTED.code(), denied.get(1).action());
      assertEquals(opId, denied.get(1).actor());
      assertEquals(duckling.duckling().id().value(), denied.get(2).actor());

      // the admin may
      String added = t.engine.admin().addSigningKey(admin);
      assertNotNull(added);
    }
  }

  // ------------------------------------------------------------------ C5 the card as a shareable proof

  /** The value of the card's row {@code label}, or null when the card has no such row. */
  private static String cardRow(String html, String label) {
    String start = "<tr><th>" + label + "</th><td>";
    int at = html.indexOf(start);
    return at < 0 ? null : html.substring(at + start.length(), html.indexOf("</td>", at));
  }

  @Test
  @Tag("C5")
  @Tag("C1")
  @Tag("C2")
  void htmlCard_showsEveryFieldOfTheCertificate_andCarriesTheSignedTokenThatVerifiesOffline() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult olive = t.hatch("Olive");
      t.engine.identities().promote(admin, olive.duckling().id(), Tier.T2);
      BondResult scout = t.bond(olive.key().key(), "Scout", Tier.T1);
      BirthCertificate c = t.engine.identities().promote(olive.key().key(), scout.agent().id(), Tier.T2);

      String html = t.engine.certificates().renderHtml(olive.key().key(), c.id());

      assertEquals(c.id().value(), cardRow(html, "Certificate"));
      assertEquals(scout.agent().id().value(), cardRow(html, "Subject"));
      assertEquals("Agent", cardRow(html, "Kind"));
      assertTrue(cardRow(html, "Tier").startsWith("T2"), cardRow(html, "Tier"));
      assertEquals(c.issuedAt().toString(), cardRow(html, "Issued"));
      assertEquals(olive.duckling().id().value(), cardRow(html, "Operator"));
      assertEquals(scout.certificate().id().value(), cardRow(html, "Supersedes"));
      assertEquals("current", cardRow(html, "Status"));
      assertEquals(t.engine.engineVersion(), cardRow(html, "Engine"));
      assertTrue(html.contains("<title>Birth certificate · Scout</title>"), html);
      String jws = html.substring(html.indexOf("<pre>") + 5, html.indexOf("</pre>"));
      assertEquals(c.jws(), jws, "the card carries the signed certificate itself");
      assertEquals(c, t.engine.certificates().verify(jws), "which verifies with the public JWK set (C2)");

      String duckling = t.engine.certificates().renderHtml(olive.key().key(), olive.certificate().id());
      assertEquals("Duckling", cardRow(duckling, "Kind"));
      assertNull(cardRow(duckling, "Operator"), "a duckling has no operator");
      assertNull(cardRow(duckling, "Supersedes"), "a first certificate supersedes nothing");
      assertTrue(cardRow(duckling, "Status").startsWith("superseded"), cardRow(duckling, "Status"));
    }
  }

  @Test
  @Tag("C5")
  void htmlCard_isSelfContained_loadingNothingExternal_andTheSameOnEveryRender() {
    try (TestEngine t = new TestEngine()) {
      HatchResult h = t.hatch("Plain https://example.org/x.png");
      CertId id = h.certificate().id();

      String html = t.engine.certificates().renderHtml(h.key().key(), id);

      String lower = html.toLowerCase(java.util.Locale.ROOT);
      for (String external : List.of("<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import")) {
        assertFalse(lower.contains(external), external + " in " + html);
      }
      assertTrue(html.contains("default-src 'none'"), "a content security policy that forbids loading anything");
      assertTrue(html.startsWith("<!DOCTYPE html>"));
      t.clock.advance(java.time.Duration.ofDays(1));
      assertEquals(html, t.engine.certificates().renderHtml(h.key().key(), id), "a card depends on the certificate only");
    }
  }

  @Test
  @Tag("C5")
  @Tag("C4")
  void htmlCard_needsACallerWhoMayLookUpCertificates() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult olive = t.hatch("Olive");
      t.engine.identities().promote(admin, olive.duckling().id(), Tier.T2);
      BondResult egg = t.bond(olive.key().key(), "Egg", Tier.T0);
      CertId id = olive.certificate().id();

      assertUnauthenticated(() -> t.engine.certificates().renderHtml(BeakKey.of("bk_" + "c".repeat(69)), id));
      Forbidden f = assertThrows(Forbidden.class, () -> t.engine.certificates().renderHtml(egg.key().key(), id));
      assertEquals(ErrorCode.FORBIDDEN, f.code(), "an Egg may not look up certificates (T1 and up)");
      NotFound n = assertThrows(NotFound.class, () -> t.engine.certificates().renderHtml(olive.key().key(), new CertId("ct_" + "a".repeat(26))));
      assertEquals(ErrorCode.NOT_FOUND, n.code());
      t.engine.keys().revoke(olive.key().key(), olive.key().info().id(), ReasonCode.NO_LONGER_NEEDED);
      assertUnauthenticated(() -> t.engine.certificates().renderHtml(olive.key().key(), id));
    }
  }

  @Test
  @Tag("C3")
  @Tag("C4")
  @Tag("I6")
  void history_isOldestFirst_withOneCurrent_needsACallerWhoMayLookUp_andIsEmptyForAnUnknownSubject() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult olive = t.hatch("Olive");
      BirthCertificate t2 = t.engine.identities().promote(admin, olive.duckling().id(), Tier.T2);
      BondResult egg = t.bond(olive.key().key(), "Egg", Tier.T0);
      BirthCertificate t1 = t.engine.identities().promote(olive.key().key(), egg.agent().id(), Tier.T1);
      BirthCertificate t2agent = t.engine.identities().promote(olive.key().key(), egg.agent().id(), Tier.T2);
      HatchResult dora = t.hatch("Dora");

      List<CertificateView> history = t.engine.certificates().history(dora.key().key(), egg.agent().id());

      assertEquals(List.of(egg.certificate(), t1, t2agent), history.stream().map(CertificateView::certificate).toList());
      assertEquals(List.of(CertStatus.SUPERSEDED, CertStatus.SUPERSEDED, CertStatus.CURRENT),
          history.stream().map(CertificateView::status).toList());
      assertEquals(List.of(olive.certificate(), t2),
          t.engine.certificates().history(admin, olive.duckling().id()).stream().map(CertificateView::certificate).toList());
      assertEquals(List.of(), t.engine.certificates().history(admin, new io.spaceduck.api.DucklingId("dk_" + "u".repeat(26))));
      BondResult stillAnEgg = t.bond(olive.key().key(), "Still an egg", Tier.T0);
      Forbidden f = assertThrows(Forbidden.class, () -> t.engine.certificates().history(stillAnEgg.key().key(), olive.duckling().id()));
      assertEquals(ErrorCode.FORBIDDEN, f.code(), "an Egg may not look up certificates");
      assertUnauthenticated(() -> t.engine.certificates().history(BeakKey.of("bk_" + "h".repeat(69)), olive.duckling().id()));
    }
  }
}
