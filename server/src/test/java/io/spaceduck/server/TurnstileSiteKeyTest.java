package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Turnstile site key a server publishes for Mission Control's hatch page: {@code GET /beak/config}
 * says it (or null) and nothing else, and only the index page's policy opens to Cloudflare, only in
 * {@code script-src} and {@code frame-src}, only when a key is set. No browser, nothing loaded from
 * Cloudflare.
 */
class TurnstileSiteKeyTest {
  /** Cloudflare's documented always-passes test site key: the shape of a real one. */
  static final String SITE_KEY = "1x00000000000000000000AA";
  static final String CLOUDFLARE = "https://challenges.cloudflare.com";
  static final List<String> OTHER_FILES = List.of("/cert/ct_abcdefghijklmnopqrstuvwx", "/cert.html", "/app/main.js", "/app/hatch.js",
      "/app/style.css", "/app/duck.svg");

  @TempDir Path dir;

  @Test
  void withoutASiteKey_theConfigSaysNull_andNoPolicyChanges() {
    try (Fixture f = new Fixture(dir)) {
      var ex = f.client.get("/beak/config", null).expect(200); // validated against openapi.json
      JsonNode config = ex.json();
      assertEquals(List.of("turnstile_site_key"), fieldNames(config), "it says nothing else");
      assertTrue(config.get("turnstile_site_key").isNull(), ex.body());
      assertEquals("public, max-age=60", ex.header("cache-control"));
      for (String path : concat(List.of("/", "/index.html"), OTHER_FILES)) {
        assertEquals(MissionControlStaticTest.CSP, f.client.hostile("GET", path, null, null, Map.of()).header("content-security-policy"), path);
      }
    }
  }

  @Test
  void withASiteKey_theConfigSaysIt_andOnlyTheIndexPageMayLoadCloudflare_inScriptAndFrameSrcOnly() {
    try (Fixture f = new Fixture(dir, "memory:", b -> {}, b -> b.turnstileSiteKey(SITE_KEY))) {
      var ex = f.client.get("/beak/config", null).expect(200);
      assertEquals(List.of("turnstile_site_key"), fieldNames(ex.json()));
      assertEquals(SITE_KEY, ex.text("turnstile_site_key"));
      assertEquals("public, max-age=60", ex.header("cache-control"));
      // a token from the widget still goes through the engine's human check: the key grants nothing
      f.client.post("/beak/hatch", null, Fixture.obj().put("display_name", "Ada").put("email", "ada@example.org")
          .put("challenge_token", "")).problem(422, "rejected");

      Map<String, Set<String>> base = directives(MissionControlStaticTest.CSP);
      for (String path : List.of("/", "/index.html")) {
        var page = f.client.hostile("GET", path, null, null, Map.of());
        assertEquals(200, page.status(), path);
        String csp = page.header("content-security-policy");
        Map<String, Set<String>> served = directives(csp);
        Map<String, Set<String>> expected = new LinkedHashMap<>(base);
        expected.put("script-src", plus(effective(base, "script-src"), CLOUDFLARE));
        expected.put("frame-src", plus(effective(base, "frame-src"), CLOUDFLARE));
        assertEquals(expected, served, path + ": " + csp);
        assertEquals(Set.of("'self'"), served.get("connect-src"), "connections stay on this origin");
        assertEquals("DENY", page.header("x-frame-options"));
      }
      for (String path : OTHER_FILES) {
        var other = f.client.hostile("GET", path, null, null, Map.of());
        assertEquals(200, other.status(), path);
        assertEquals(MissionControlStaticTest.CSP, other.header("content-security-policy"), path + " never changes");
      }
    }
  }

  @Test
  void theBuilder_takesOnlyTheShapeOfASiteKey() {
    for (String bad : List.of("", " ", "a b", "key;script-src *", "k\u00e9y", "x".repeat(65), "1x0000'AA", "<script>")) {
      assertThrows(IllegalArgumentException.class, () -> SpaceDuckServer.builder().turnstileSiteKey(bad), bad);
    }
    assertThrows(NullPointerException.class, () -> SpaceDuckServer.builder().turnstileSiteKey(null));
    SpaceDuckServer.builder().turnstileSiteKey("x".repeat(64)).turnstileSiteKey("0x4AAAAAAA_b-Z9");
  }

  /** A negative control: the document's schema for the reply takes a key or null, and nothing else. */
  @Test
  void theDocumentedShape_takesAKeyOrNull_only() {
    var v = ValidatingClient.validator();
    var req = com.atlassian.oai.validator.model.SimpleRequest.Builder.get("/beak/config").build();
    java.util.function.Function<String, Boolean> valid = body -> v.validate(req, com.atlassian.oai.validator.model.SimpleResponse.Builder
        .status(200).withContentType("application/json").withHeader("Cache-Control", "public, max-age=60").withBody(body).build())
        .getMessages().stream().noneMatch(m -> m.getLevel() == com.atlassian.oai.validator.report.ValidationReport.Level.ERROR);
    assertTrue(valid.apply("{\"turnstile_site_key\":null}"));
    assertTrue(valid.apply("{\"turnstile_site_key\":\"" + SITE_KEY + "\"}"));
    for (String bad : List.of("{}", "{\"turnstile_site_key\":7}", "{\"turnstile_site_key\":\"a b\"}", "{\"turnstile_site_key\":\"\"}",
        "{\"turnstile_site_key\":null,\"secret\":\"x\"}")) {
      assertFalse(valid.apply(bad), bad);
    }
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new java.util.ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** A policy as directive → sources (a directive given twice would fail: the first one wins in browsers). */
  static Map<String, Set<String>> directives(String csp) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (String d : csp.split(";")) {
      List<String> words = List.of(d.trim().split("\\s+"));
      assertFalse(out.containsKey(words.get(0)), "repeated directive " + words.get(0) + " in " + csp);
      out.put(words.get(0), new LinkedHashSet<>(words.subList(1, words.size())));
    }
    return out;
  }

  /** What a fetch directive allows: its own sources, or default-src's when it is absent. */
  private static Set<String> effective(Map<String, Set<String>> policy, String directive) {
    return policy.getOrDefault(directive, policy.get("default-src"));
  }

  private static Set<String> plus(Set<String> sources, String origin) {
    assertFalse(sources.contains(origin));
    Set<String> out = new LinkedHashSet<>(sources);
    out.add(origin);
    return out;
  }
}
