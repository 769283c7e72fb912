package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spaceduck.server.internal.Route;
import io.spaceduck.server.internal.Routes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route of the table answered with success at least once, each exchange validated against
 * the OpenAPI document — so every documented success shape is checked against real responses.
 */
class EveryRouteTest {
  @TempDir Path dir;

  @Test
  @Tag("C3") @Tag("C5") @Tag("K5") @Tag("P3") @Tag("P4") @Tag("P5") @Tag("D1")
  void everyRoute_succeedsOnce_inItsDocumentedShape() {
    try (Fixture f = new Fixture(dir)) {
      ValidatingClient c = f.client;
      String admin = f.bootstrapAdmin();
      JsonNode ada = f.hatch("Ada", "ada@example.org").json();
      JsonNode bob = f.hatch("Bob", "bob@example.org").json();
      String adaKey = ada.path("key").path("key").asText();
      String bobKey = bob.path("key").path("key").asText();
      String adaId = ada.path("duckling").path("id").asText();
      c.post("/beak/identities/" + adaId + "/promote", admin, Fixture.obj().put("tier", "T2")).expect(200);
      c.post("/beak/identities/" + bob.path("duckling").path("id").asText() + "/promote", admin, Fixture.obj().put("tier", "T2")).expect(200);
      JsonNode scout = c.post("/beak/bonds", adaKey, Fixture.obj().put("agent_name", "scout")).expect(201).json();
      JsonNode relay = c.post("/beak/bonds", bobKey, Fixture.obj().put("agent_name", "relay")).expect(201).json();
      JsonNode courier = c.post("/beak/bonds", bobKey, Fixture.obj().put("agent_name", "courier")).expect(201).json();
      String scoutId = scout.path("agent").path("id").asText();
      String scoutKeyId = scout.path("key").path("key_id").asText();
      String relayKey = relay.path("key").path("key").asText();
      String courierKey = courier.path("key").path("key").asText();

      c.get("/healthz", null).expect(200);
      c.get("/readyz", null).expect(200);
      c.get("/metrics", null).expect(200);
      c.get("/beak/openapi.json", null).expect(200);
      c.get("/beak/config", null).expect(200);
      c.get("/.well-known/jwks.json", null).expect(200);
      c.get("/beak/whoami", adaKey).expect(200);
      assertEquals("scout", c.get("/beak/identities/" + scoutId, adaKey).expect(200).text("display_name"));
      JsonNode certs = c.get("/beak/identities/" + adaId + "/certs", adaKey).expect(200).json().path("items");
      assertEquals(2, certs.size(), "the T1 certificate and the T2 one that supersedes it (C3)");
      assertEquals("superseded", certs.get(0).path("status").asText());
      assertEquals(certs.get(0).path("cert_id").asText(), certs.get(1).path("supersedes").asText());
      assertEquals(2, c.get("/beak/bonds", bobKey).expect(200).json().path("items").size());
      c.get("/beak/bonds/" + scout.path("bond").path("bond_id").asText(), adaKey).expect(200);
      assertEquals(1, c.get("/beak/keys?owner_id=" + scoutId, adaKey).expect(200).json().path("items").size());

      // K5: the admin replaces a compromised key; the old one is refused at once, the new one works
      String scoutKey = c.post("/beak/keys/" + scoutKeyId + "/replace", admin, Fixture.obj().put("reason", "compromised")).expect(201).text("key");
      c.get("/beak/whoami", scout.path("key").path("key").asText()).problem(401, "unauthenticated");
      c.post("/beak/rotate", scoutKey, Fixture.obj().put("key_id", c.get("/beak/whoami", scoutKey).expect(200).text("key_id"))).expect(201);

      // pecks: declined, rejected, approved and closed; pending approvals page by cursor
      String relayCert = relay.path("certificate").path("cert_id").asText();
      String courierCert = courier.path("certificate").path("cert_id").asText();
      String p1 = peck(c, scoutKey, relayCert);
      assertEquals("requested", c.get("/beak/pecks/" + p1, scoutKey).expect(200).text("state"));
      assertEquals("declined", c.post("/beak/pecks/" + p1 + "/decline", relayKey, Fixture.obj().put("reason", "busy")).expect(200).text("state"));
      String p2 = peck(c, scoutKey, relayCert);
      String p3 = peck(c, scoutKey, courierCert);
      c.post("/beak/pecks/" + p2 + "/accept", relayKey, (String) null).expect(200);
      c.post("/beak/pecks/" + p3 + "/accept", courierKey, (String) null).expect(200);
      JsonNode page1 = c.get("/beak/pecks/pending?limit=1", bobKey).expect(200).json();
      assertEquals(1, page1.path("items").size());
      JsonNode page2 = c.get("/beak/pecks/pending?limit=1&after=" + page1.path("next_cursor").asText(), bobKey).expect(200).json();
      // ids are time-ordered; two made in the same instant page in either order, each once
      assertEquals(java.util.Set.of(p2, p3), java.util.Set.of(page1.path("items").get(0).path("peck_id").asText(),
          page2.path("items").get(0).path("peck_id").asText()));
      assertEquals("rejected", c.post("/beak/pecks/" + p2 + "/reject", bobKey, Fixture.obj().put("reason", "policy")).expect(200).text("state"));
      c.post("/beak/pecks/" + p3 + "/approve", bobKey, (String) null).expect(200);
      // P5, B3: the active peck listed for both sides and for the target's operator, with its session expiry
      JsonNode activeScout = c.get("/beak/pecks/active", scoutKey).expect(200).json().path("items");
      assertEquals(1, activeScout.size());
      assertEquals(p3, activeScout.get(0).path("peck_id").asText());
      assertFalse(activeScout.get(0).path("session_expires_at").asText().isEmpty());
      JsonNode activeBob = c.get("/beak/pecks/active?limit=1", bobKey).expect(200).json();
      assertEquals(p3, activeBob.path("items").get(0).path("peck_id").asText());
      assertTrue(c.get("/beak/pecks/active?limit=1&after=" + activeBob.path("next_cursor").asText(), bobKey)
          .expect(200).json().path("items").isEmpty());
      assertTrue(c.get("/beak/pecks/active", relayKey).expect(200).json().path("items").isEmpty(), "relay's peck was rejected");
      String token = c.post("/beak/pecks/" + p3 + "/session", courierKey, (String) null).expect(201).text("token");
      c.post("/beak/sessions/verify", scoutKey, Fixture.obj().put("token", token)).expect(200);
      assertEquals("closed", c.post("/beak/pecks/" + p3 + "/close", scoutKey, Fixture.obj().put("reason", "done")).expect(200).text("state"));
      assertTrue(c.get("/beak/pecks/active", courierKey).expect(200).json().path("items").isEmpty(), "a closed peck is not active");
      assertTrue(c.get("/beak/pecks/inbox", relayKey).expect(200).json().path("items").isEmpty());

      // pulses, stale, blocks (an operator's own list), audit
      c.post("/beak/pulse", scoutKey, Fixture.obj().put("status", "ready")).expect(200);
      assertEquals("ready", c.get("/beak/agents/" + scoutId + "/pulses?limit=5", adaKey).expect(200).json().path("items").get(0).path("status").asText());
      c.get("/beak/stale?threshold_seconds=60", adaKey).expect(200);
      JsonNode block = c.post("/beak/blocks", bobKey, Fixture.obj().put("identity_id", scoutId).put("reason", "spam")).expect(201).json();
      assertFalse(block.path("platform_wide").asBoolean());
      assertEquals(1, c.get("/beak/blocks", bobKey).expect(200).json().path("items").size());
      c.post("/beak/unblock", bobKey, Fixture.obj().put("identity_id", scoutId)).expect(200);
      c.get("/beak/audit?limit=5&action=bond.created", admin).expect(200);
      c.get("/beak/audit/verify", admin).expect(200);
      // transparency: a checkpoint, the verifier keys, proofs that verify offline against it
      String vkeys = c.get("/beak/audit/vkeys", null).expect(200).body();
      io.spaceduck.core.OfflineAuditVerifier v = io.spaceduck.core.OfflineAuditVerifier.forVerifierKeys(vkeys.lines().toList());
      io.spaceduck.api.SignedCheckpoint cp = v.verifyCheckpoint(c.get("/beak/audit/checkpoint", admin).expect(200).body());
      long size = cp.checkpoint().size();
      v.verifyInclusion(cp, io.spaceduck.api.InclusionProof.parse(
          c.get("/beak/audit/proofs/inclusion?seq=2&tree_size=" + size, admin).expect(200).body()));
      io.spaceduck.api.ConsistencyProof consistency = io.spaceduck.api.ConsistencyProof.parse(
          c.get("/beak/audit/proofs/consistency?old_size=3&new_size=" + size, admin).expect(200).body());
      assertEquals(3, consistency.oldSize());
      c.get("/beak/audit/proofs/inclusion?seq=2&tree_size=" + (size + 1000), admin).problem(400, "invalid_input");

      // C4, C5: the certificate and its card, every value escaped
      JsonNode eve = f.hatch("<b>Eve</b> & \"co\"", "eve@example.org").json();
      String eveCert = eve.path("certificate").path("cert_id").asText();
      assertEquals("<b>Eve</b> & \"co\"", c.get("/beak/cert?cert_id=" + eveCert, adaKey).expect(200).text("display_name"));
      String card = c.get("/beak/cert/card?cert_id=" + eveCert, adaKey).expect(200).body();
      assertFalse(card.contains("<b>Eve"), card);
      assertTrue(card.contains("&lt;b&gt;Eve&lt;/b&gt;"), card);

      // D1: a deletion request, last (it revokes Ada's bonds and keys)
      assertEquals("deleted", c.post("/beak/ducklings/" + adaId + "/deletion", adaKey, Fixture.obj().put("reason", "user_request"))
          .expect(200).text("status"));
      c.get("/beak/whoami", adaKey).problem(401, "unauthenticated");

      // the unpeck route (a bond) and the hatch routes were used above (f.hatch) or here
      c.post("/beak/unpeck", bobKey, Fixture.obj().put("bond_id", courier.path("bond").path("bond_id").asText())).expect(200);

      List<String> unanswered = new ArrayList<>();
      for (Route r : Routes.describe()) {
        String regex = r.template().replaceAll("\\{[a-z_]+}", "[^/]+").replace(".", "\\.");
        boolean ok = c.log.stream().anyMatch(l -> l.matches(r.method() + " " + regex + " 2[0-9][0-9]"));
        if (!ok) {
          unanswered.add(r.method() + " " + r.template());
        }
      }
      assertEquals(List.of(), unanswered, "routes never answered with success in this test");
    }
  }

  private static String peck(ValidatingClient c, String key, String cert) {
    return c.post("/beak/peck", key, Fixture.obj().put("target_cert_id", cert)
        .set("scope", ValidatingClient.JSON.createArrayNode().add("chat:read").add("chat:write"))).expect(201).text("peck_id");
  }
}
