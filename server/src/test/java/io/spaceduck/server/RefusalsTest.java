package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal code at least once, with the README's HTTP status and its headers; each exchange validated. */
class RefusalsTest {
  @TempDir Path dir;

  @Test
  @Tag("K6")
  void unauthenticated_is401WithWwwAuthenticate_andSaysNothingMore() {
    try (Fixture f = new Fixture(dir)) {
      f.bootstrapAdmin();
      var unknown = f.client.hostile("GET", "/beak/whoami", "bk_aaaaaaaaaaaaaaaa_nope", null, Map.of()).problem(401, "unauthenticated");
      var none = f.client.hostile("GET", "/beak/whoami", null, null, Map.of()).problem(401, "unauthenticated");
      var basic = f.client.hostile("GET", "/beak/whoami", null, null, Map.of("Authorization", "Basic YTpi")).problem(401, "unauthenticated");
      for (var ex : java.util.List.of(unknown, none, basic)) {
        assertEquals("Bearer", ex.header("www-authenticate"));
        assertEquals(null, ex.header("set-cookie"));
      }
      assertEquals(unknown.json().path("detail"), none.json().path("detail"), "a missing and a wrong key look the same");
    }
  }

  @Test
  void engineRefusals_mapToTheReadmeTable() {
    try (Fixture f = new Fixture(dir)) {
      String admin = f.bootstrapAdmin();
      var ada = f.hatch("Ada", "ada@example.org").json();
      String adaKey = ada.path("key").path("key").asText();
      String adaId = ada.path("duckling").path("id").asText();
      // 403 forbidden: a T1 duckling cannot bond
      f.client.post("/beak/bonds", adaKey, Fixture.obj().put("agent_name", "x")).problem(403, "forbidden");
      // 404 not_found
      f.client.get("/beak/bonds/bd_aaaaaaaaaaaaaaaaaaaaaaaaaa", admin).problem(404, "not_found");
      // 409 conflict: lifting a block that is not there
      f.client.post("/beak/unblock", admin, Fixture.obj().put("identity_id", adaId).put("platform_wide", true)).problem(409, "conflict");
      // 400 invalid_input from the engine: an admin cannot block itself
      String adminId = f.client.get("/beak/whoami", admin).expect(200).text("id");
      f.client.post("/beak/blocks", admin, Fixture.obj().put("identity_id", adminId).put("platform_wide", true)).problem(400, "invalid_input");
      // a block and its lifting, for the record
      f.client.post("/beak/blocks", admin, Fixture.obj().put("identity_id", adaId).put("platform_wide", true).put("reason", "abuse")).expect(201);
      assertEquals(1, f.client.get("/beak/blocks", admin).expect(200).json().path("items").size());
      f.client.post("/beak/unblock", admin, Fixture.obj().put("identity_id", adaId).put("platform_wide", true)).expect(200);
    }
  }

  @Test
  @Tag("H1") @Tag("H5")
  void hatchRefusals_areOneGeneric422_andTheRateLimitIs429WithRetryAfter() {
    try (Fixture f = new Fixture(dir)) {
      var rejected = f.client.post("/beak/hatch", null,
          Fixture.obj().put("display_name", "Bot").put("email", "bot@example.org").put("challenge_token", "robot")).problem(422, "rejected");
      var wrongCode = f.client.post("/beak/hatch/ht_aaaaaaaaaaaaaaaaaaaaaaaaaa/complete", null, Fixture.obj().put("code", "000000"))
          .problem(422, "rejected");
      assertEquals(rejected.json().path("detail"), wrongCode.json().path("detail"), "bots fail silently (H1)");
      ValidatingClient.Exchange last = null;
      for (int i = 0; i < 10 && (last == null || last.status() != 429); i++) {
        last = f.client.post("/beak/hatch", null,
            Fixture.obj().put("display_name", "D" + i).put("email", "d" + i + "@example.org").put("challenge_token", Fixture.HUMAN));
      }
      assertNotNull(last);
      last.problem(429, "rate_limited");
      assertTrue(Long.parseLong(last.header("retry-after")) >= 1, last.header("retry-after"));
    }
  }

  @Test
  void serverRefusals_405_404_415_413_431_arProblems() {
    try (Fixture f = new Fixture(dir)) {
      var m = f.client.hostile("DELETE", "/beak/whoami", null, null, Map.of()).problem(405, "method_not_allowed");
      assertEquals("GET", m.header("allow"));
      f.client.hostile("GET", "/beak/nothing-here", null, null, Map.of()).problem(404, "not_found");
      f.client.hostile("POST", "/beak/pulse", "bk_x", "{}".getBytes(), Map.of("Content-Type", "application/xml"))
          .problem(415, "unsupported_media_type");
      f.client.hostile("POST", "/beak/pulse", "bk_x", new byte[100_000], Map.of()).problem(413, "payload_too_large");
      var big = f.client.hostile("GET", "/healthz", null, null, Map.of("X-Padding", "a".repeat(20_000)));
      assertEquals(431, big.status());
      assertTrue(big.contentType().startsWith("application/problem+json"), big.contentType());
      assertFalse(big.body().contains("at org."), big.body());
    }
  }

  @Test
  void aRequestJettyCannotParse_isAProblemToo() throws Exception {
    try (Fixture f = new Fixture(dir); java.net.Socket s = new java.net.Socket("127.0.0.1", f.server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /beak/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(response.startsWith("HTTP/1.1 400"), response);
      assertTrue(response.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/problem+json"), response);
      assertTrue(response.contains("\"code\":\"bad_request\""), response);
    }
  }

  @Test
  void anUnexpectedFailure_is500WithACorrelationId_andNoStackTrace() {
    try (Fixture f = new Fixture(dir)) {
      String admin = f.bootstrapAdmin();
      f.duck.close(); // the engine is gone under a running server: whatever it throws now is unexpected
      var ex = f.client.hostile("GET", "/beak/whoami", admin, null, Map.of());
      assertTrue(ex.status() == 500 || ex.status() == 503, ex.body());
      assertTrue(ex.contentType().startsWith("application/problem+json"));
      if (ex.status() == 500) {
        ex.problem(500, "internal");
        assertFalse(ex.text("correlation_id").isEmpty());
      }
      assertFalse(ex.body().contains("Exception"), ex.body());
    }
  }
}
