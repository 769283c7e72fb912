package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' whole flow over a real socket, every exchange checked against openapi.json: hatch with
 * the delivered code, promotion by the admin, bonds, a peck from request to approved sessions whose
 * tokens verify against the served JWK set, pulses and stale agents, rotation within and after the
 * grace period, revocation refused on the very next call, and the audit chain verified.
 */
class SeedFlowTest {
  @TempDir Path dir;

  @Test
  @Tag("H3") @Tag("B1") @Tag("P5") @Tag("K3") @Tag("K4") @Tag("U2") @Tag("A3")
  void theSeedsFlow_endToEndOverHttp() throws Exception {
    try (Fixture f = new Fixture(dir)) {
      ValidatingClient c = f.client;
      String admin = f.bootstrapAdmin();

      // hatch (H1–H3): the code comes from the delivery SPI, the key is shown once
      var hatched = f.hatch("Ada", "ada@example.org");
      String ada = hatched.json().path("key").path("key").asText();
      String adaId = hatched.json().path("duckling").path("id").asText();
      assertEquals("T1", hatched.json().path("duckling").path("tier").asText());
      assertEquals(adaId, c.get("/beak/whoami", ada).expect(200).text("id"));

      // an operator is made by promotion: the admin promotes Ada to T2 (never automatic)
      c.post("/beak/identities/" + adaId + "/promote", ada, Fixture.obj().put("tier", "T2")).problem(403, "forbidden");
      var cert = c.post("/beak/identities/" + adaId + "/promote", admin, Fixture.obj().put("tier", "T2")).expect(200);
      assertEquals("T2", cert.text("tier"));
      var bobHatched = f.hatch("Bob", "bob@example.org");
      String bob = bobHatched.json().path("key").path("key").asText();
      c.post("/beak/identities/" + bobHatched.json().path("duckling").path("id").asText() + "/promote", admin,
          Fixture.obj().put("tier", "T2")).expect(200);

      // bonds (B1)
      var scoutBond = c.post("/beak/bonds", ada, Fixture.obj().put("agent_name", "scout-7").put("tier", "T1")).expect(201).json();
      var relayBond = c.post("/beak/bonds", bob, Fixture.obj().put("agent_name", "relay-2")).expect(201).json();
      String scout = scoutBond.path("key").path("key").asText();
      String relay = relayBond.path("key").path("key").asText();
      String scoutId = scoutBond.path("agent").path("id").asText();
      String relayId = relayBond.path("agent").path("id").asText();
      String relayCert = relayBond.path("certificate").path("cert_id").asText();
      assertEquals(1, c.get("/beak/bonds", ada).expect(200).json().path("items").size());

      // the certificate (C4) and its card (C5)
      var cv = c.get("/beak/cert?cert_id=" + relayCert, scout).expect(200);
      assertEquals("current", cv.text("status"));
      assertEquals(relayId, cv.text("subject_id"));
      var card = c.get("/beak/cert/card?cert_id=" + relayCert, scout).expect(200);
      assertTrue(card.contentType().startsWith("text/html"), card.contentType());
      assertTrue(card.body().contains("relay-2"));

      // peck: request → inbox → accept → pending → approve (P1–P4)
      var peck = c.post("/beak/peck", scout, Fixture.obj().put("target_cert_id", relayCert).put("duration_seconds", 3600)
          .set("scope", ValidatingClient.JSON.createArrayNode().add("chat:read"))).expect(201);
      String peckId = peck.text("peck_id");
      assertEquals("requested", peck.text("state"));
      assertEquals(peckId, c.get("/beak/pecks/inbox?limit=10", relay).expect(200).json().path("items").get(0).path("peck_id").asText());
      assertEquals("accepted", c.post("/beak/pecks/" + peckId + "/accept", relay, (String) null).expect(200).text("state"));
      c.post("/beak/pecks/" + peckId + "/approve", scout, (String) null).problem(403, "forbidden"); // no self-approval (P4)
      c.post("/beak/pecks/" + peckId + "/approve", ada, (String) null).problem(403, "forbidden"); // the requester's operator
      assertEquals(peckId, c.get("/beak/pecks/pending", bob).expect(200).json().path("items").get(0).path("peck_id").asText());
      assertEquals("active", c.post("/beak/pecks/" + peckId + "/approve", bob, (String) null).expect(200).text("state"));

      // sessions (P5): offline against the served JWK set, and online
      String scoutToken = c.post("/beak/pecks/" + peckId + "/session", scout, (String) null).expect(201).text("token");
      String relayToken = c.post("/beak/pecks/" + peckId + "/session", relay, (String) null).expect(201).text("token");
      var jwks = c.get("/.well-known/jwks.json", null).expect(200);
      assertOfflineValid(jwks.body(), scoutToken, scoutId, relayId);
      assertOfflineValid(jwks.body(), relayToken, relayId, scoutId);
      var online = c.post("/beak/sessions/verify", relay, Fixture.obj().put("token", scoutToken)).expect(200);
      assertEquals(scoutId, online.text("subject_id"));
      String etag = jwks.header("etag");
      assertEquals(304, c.send("GET", "/.well-known/jwks.json", null, null, Map.of("If-None-Match", etag), true).status());

      // pulses (U1, U2): stale after the threshold, fresh after a pulse
      c.post("/beak/pulse", scout, Fixture.obj().put("status", "ok")).expect(200);
      assertEquals(1, c.get("/beak/agents/" + scoutId + "/pulses", ada).expect(200).json().path("items").size());
      f.clock.advance(Duration.ofMinutes(10));
      assertEquals(scoutId, c.get("/beak/stale", ada).expect(200).json().path("items").get(0).path("agent_id").asText());
      assertEquals(relayId, c.get("/beak/stale", bob).expect(200).json().path("items").get(0).path("agent_id").asText());
      c.post("/beak/pulse", scout, (String) null).expect(200);
      assertEquals(0, c.get("/beak/stale", ada).expect(200).json().path("items").size());

      // rotation (K3): the old key works within the grace period, never after
      var rotated = c.post("/beak/rotate", scout, (String) null).expect(201);
      String scout2 = rotated.text("key");
      assertEquals(200, c.get("/beak/whoami", scout).status());
      f.clock.advance(Duration.ofMinutes(16));
      c.get("/beak/whoami", scout).problem(401, "unauthenticated");
      assertEquals(scoutId, c.get("/beak/whoami", scout2).expect(200).text("id"));

      // revocation (K4): refused on the very next call; the old key's 401 says nothing more
      String relayKeyId = c.get("/beak/whoami", relay).expect(200).text("key_id");
      var revoked = c.post("/beak/unpeck", bob, Fixture.obj().put("key_id", relayKeyId).put("reason", "compromised")).expect(200);
      assertEquals("revoked", revoked.json().path("key").path("status").asText());
      var refused = c.get("/beak/whoami", relay).problem(401, "unauthenticated");
      assertEquals("Bearer", refused.header("www-authenticate"));
      String relayBondId = relayBond.path("bond").path("bond_id").asText();
      c.post("/beak/unpeck", bob, Fixture.obj().put("bond_id", relayBondId).put("reason", "retired")).expect(200);
      // the bond's revocation ends its sessions (P5 online)
      assertNotEquals(200, c.post("/beak/sessions/verify", scout2, Fixture.obj().put("token", relayToken)).status());

      // audit (A3, A4): a valid chain; pages follow the cursor
      var verified = c.get("/beak/audit/verify", admin).expect(200).json();
      assertTrue(verified.path("valid").asBoolean());
      long seq = verified.path("head").path("seq").asLong();
      String hash = verified.path("head").path("hash").asText();
      assertTrue(c.get("/beak/audit/verify?head_seq=" + seq + "&head_hash=" + hash, admin).expect(200).json().path("valid").asBoolean());
      var page = c.get("/beak/audit?limit=2", admin).expect(200).json();
      assertEquals(2, page.path("items").size());
      var next = c.get("/beak/audit?limit=2&after=" + page.path("next_cursor").asText(), admin).expect(200).json();
      assertTrue(next.path("items").get(0).path("seq").asLong() > page.path("items").get(1).path("seq").asLong());
      assertFalse(c.get("/beak/audit?action=bond.created", ada).expect(200).json().path("items").isEmpty());
    }
  }

  private static void assertOfflineValid(String jwks, String token, String subject, String peer) throws Exception {
    SignedJWT jwt = SignedJWT.parse(token);
    ECKey key = (ECKey) JWKSet.parse(jwks).getKeyByKeyId(jwt.getHeader().getKeyID());
    assertTrue(jwt.verify(new ECDSAVerifier(key)), "the session token verifies against the served JWK set");
    assertEquals(subject, jwt.getJWTClaimsSet().getSubject());
    JsonNode claims = ValidatingClient.JSON.readTree(jwt.getJWTClaimsSet().toString());
    assertTrue(claims.toString().contains(peer), claims.toString());
  }
}
