package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.server.internal.Route;
import io.spaceduck.server.internal.Routes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input on every route of the table: malformed JSON, invalid UTF-8, wrong types, unknown
 * fields, control characters, unpaired surrogates, deep nesting, huge bodies, wrong content types,
 * bad query strings. Each gets a 4xx problem document that the OpenAPI document describes, and the
 * audit chain's head is the same afterwards: nothing changed.
 */
class HostileInputTest {
  @TempDir Path dir;

  /** A well-formed id for each path parameter (none exists: the request must fail before it matters). */
  private static final Map<String, String> IDS = Map.of(
      "hatch_id", "ht_aaaaaaaaaaaaaaaaaaaaaaaaaa",
      "identity_id", "dk_aaaaaaaaaaaaaaaaaaaaaaaaaa",
      "duckling_id", "dk_aaaaaaaaaaaaaaaaaaaaaaaaaa",
      "bond_id", "bd_aaaaaaaaaaaaaaaaaaaaaaaaaa",
      "key_id", "aaaaaaaaaaaaaaaa",
      "peck_id", "pk_aaaaaaaaaaaaaaaaaaaaaaaaaa",
      "agent_id", "ag_aaaaaaaaaaaaaaaaaaaaaaaaaa");

  @Test
  void oversizedBodies_alwaysGetTheir413_onAConnectionThatIsNotCutUnderTheClient() {
    // the server answers 413 before the client has finished sending: unless it drains the rest (up to
    // 1 MiB), closing the connection can reset it before the client reads the answer (seen under load)
    try (Fixture f = new Fixture(dir)) {
      byte[] over = ("{\"display_name\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
      byte[] farOver = ("{\"display_name\":\"" + "x".repeat(600_000) + "\"}").getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 150; i++) {
        byte[] body = i % 3 == 0 ? farOver : over;
        var r = f.client.hostile("POST", "/beak/hatch", null, body, Map.of());
        assertEquals(413, r.status(), "attempt " + i);
        assertTrue(r.body().contains("payload_too_large"), r.body());
      }
      f.client.get("/healthz", null).expect(200);
    }
  }

  static String fill(String template) {
    String p = template;
    for (var e : IDS.entrySet()) {
      p = p.replace("{" + e.getKey() + "}", e.getValue());
    }
    return p;
  }

  /** Bodies no route accepts; each with the HTTP status it must get. */
  static Map<String, byte[]> hostileBodies() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("not JSON", "{nope".getBytes(StandardCharsets.UTF_8));
    m.put("trailing garbage", "{} {}".getBytes(StandardCharsets.UTF_8));
    m.put("array", "[]".getBytes(StandardCharsets.UTF_8));
    m.put("string", "\"x\"".getBytes(StandardCharsets.UTF_8));
    m.put("null", "null".getBytes(StandardCharsets.UTF_8));
    m.put("invalid UTF-8", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'});
    m.put("CESU surrogate bytes", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'});
    m.put("unknown field", "{\"zzz_unknown\":1}".getBytes(StandardCharsets.UTF_8));
    m.put("duplicate key", "{\"reason\":\"a\",\"reason\":\"b\"}".getBytes(StandardCharsets.UTF_8));
    m.put("deep nesting", ("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8));
    m.put("comment", "{/* hi */}".getBytes(StandardCharsets.UTF_8));
    m.put("NaN", "{\"a\":NaN}".getBytes(StandardCharsets.UTF_8));
    return m;
  }

  /** Field values of the wrong kind for every field name any route takes. */
  static final List<String> FIELDS = List.of("display_name", "email", "challenge_token", "code", "tier", "reason", "agent_name",
      "key_id", "bond_id", "target_cert_id", "scope", "duration_seconds", "on_behalf_of", "token", "audience", "status",
      "identity_id", "platform_wide");

  static List<String> badValues() {
    return List.of("123", "true", "{}", "[1]", "\"\\u0000x\"", "\"a\\u0007b\"", "\"\\ud800\"", "\"x\\udc00y\"", "\"\\u009b\"",
        "\"" + "a".repeat(20_000) + "\"", "1e400", "12345678901234567890123456789012345678901234567890");
  }

  @Test
  void everyRoute_refusesHostileInput_withAProblem_andChangesNothing() {
    try (Fixture f = new Fixture(dir)) {
      String admin = f.bootstrapAdmin();
      var ada = f.hatch("Ada", "ada@example.org").json();
      String adaKey = ada.path("key").path("key").asText();
      String before = f.auditHead(admin);
      int checked = 0;
      for (Route r : Routes.describe()) {
        String path = fill(r.template());
        String key = r.access() == Route.Access.BEARER ? adaKey : null;
        if (r.method().equals("POST")) {
          for (var e : hostileBodies().entrySet()) {
            var ex = f.client.hostile("POST", path, key, e.getValue(), Map.of());
            assertHostile(ex, r, e.getKey());
            checked++;
          }
          for (String field : FIELDS) {
            for (String bad : badValues()) {
              byte[] body = ("{\"" + field + "\":" + bad + "}").getBytes(StandardCharsets.UTF_8);
              assertHostile(f.client.hostile("POST", path, key, body, Map.of()), r, field + "=" + bad.substring(0, Math.min(bad.length(), 20)));
              checked++;
            }
          }
          var textPlain = f.client.hostile("POST", path, key, "{}".getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "text/plain"));
          assertHostile(textPlain, r, "text/plain");
          var huge = f.client.hostile("POST", path, key, ("{\"a\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8), Map.of());
          assertEquals(413, huge.status(), r.template());
          assertHostile(huge, r, "huge");
          checked += 2;
        }
        // query strings: an unknown parameter, bad escapes, invalid UTF-8, control characters, repeats
        for (String q : List.of("?zzz=1", "?cert_id=%FF%FE", "?cert_id=%01", "?after=%ED%A0%80",
            "?limit=1&limit=2", "?limit=abc", "?limit=100000", "?threshold_seconds=-1", "?head_seq=1")) {
          if (r.access() == Route.Access.BEARER && r.method().equals("GET")) {
            String query = q;
            if (r.queryNames().contains("cert_id") && q.equals("?zzz=1")) {
              query = "?cert_id=ct_aaaaaaaaaaaaaaaaaaaaaaaaaa&zzz=1";
            }
            var ex = f.client.hostile("GET", path + query, key, null, Map.of());
            assertHostile(ex, r, query);
            checked++;
          }
        }
      }
      assertTrue(checked > 2000, "checked " + checked);
      assertEquals(before, f.auditHead(admin), "no hostile request changed the audit chain");
      assertEquals(0, f.client.get("/beak/bonds", adaKey).expect(200).json().path("items").size(), "nothing was bonded");
    }
  }

  private static void assertHostile(ValidatingClient.Exchange ex, Route r, String what) {
    String where = r.method() + " " + r.template() + " with " + what + ": " + ex.status() + " " + ex.body();
    assertTrue(ex.status() >= 400 && ex.status() < 500, where);
    assertTrue(ex.contentType().startsWith("application/problem+json"), where);
    assertTrue(!ex.body().contains("Exception") && !ex.body().contains("at io.") && !ex.body().contains("at org."), where);
  }
}
