package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mission Control's files as the server serves them (no browser needed): the strict policy headers
 * on every page and module, the certificate card route, and the source rules the browser tests
 * rely on — no inline script or style, nothing from another origin, no HTML built from strings, the
 * key never in localStorage, a cookie or a URL.
 */
class MissionControlStaticTest {
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  @TempDir Path dir;

  @Test
  void everyFile_carriesTheStrictPolicyHeaders() {
    try (Fixture f = new Fixture(dir)) {
      for (String path : List.of("/", "/cert/ct_abcdefghijklmnopqrstuvwx", "/app/main.js", "/app/api.js", "/app/style.css", "/app/duck.svg")) {
        var r = f.client.hostile("GET", path, null, null, Map.of());
        assertEquals(200, r.status(), path);
        assertEquals(CSP, r.header("content-security-policy"), path);
        assertEquals("nosniff", r.header("x-content-type-options"), path);
        assertEquals("no-referrer", r.header("referrer-policy"), path);
        assertEquals("DENY", r.header("x-frame-options"), path);
      }
      assertTrue(f.client.hostile("GET", "/app/main.js", null, null, Map.of()).header("content-type").startsWith("text/javascript"));
      var card = f.client.hostile("GET", "/cert/ct_abcdefghijklmnopqrstuvwx", null, null, Map.of());
      assertTrue(card.body().contains("/app/cert.js"), "the card page");
      int encoded = f.client.hostile("GET", "/cert/..%2Fopenapi.json", null, null, Map.of()).status();
      assertTrue(encoded == 400 || encoded == 404, "an encoded slash is no card page: " + encoded);
      assertEquals(404, f.client.hostile("GET", "/cert/a/b", null, null, Map.of()).status());
    }
  }

  @Test
  void theSources_keepTheRules() throws IOException, URISyntaxException {
    Path root = Path.of(MissionControlStaticTest.class.getResource("/io/spaceduck/server/static/index.html").toURI()).getParent();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    Pattern inlineScript = Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE);
    Pattern inlineHandler = Pattern.compile("<[^>]+\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE);
    int js = 0;
    for (Path p : files) {
      String name = root.relativize(p).toString();
      if (name.endsWith(".svg")) {
        continue; // an image (its xmlns is a name, not a fetch)
      }
      String text = Files.readString(p);
      assertFalse(text.matches("(?s).*(https?:)?//[a-z0-9.-]+\\.(com|net|org|io|dev)/.*"), name + " names another origin");
      if (name.endsWith(".html")) {
        assertFalse(inlineScript.matcher(text).find(), name + " has an inline script");
        assertFalse(inlineHandler.matcher(text).find(), name + " has an inline event handler");
        assertFalse(text.contains("style="), name + " has an inline style");
        assertFalse(text.contains("<style"), name + " has a style element");
      }
      if (name.endsWith(".js")) {
        js++;
        for (String banned : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
            "localStorage.setItem", "document.cookie", ".style.", "setAttribute('style'")) {
          assertFalse(text.contains(banned), name + " uses " + banned);
        }
      }
    }
    assertTrue(js >= 5, "the modules were found: " + files);
    String api = Files.readString(root.resolve("app/api.js"));
    assertTrue(api.contains("headers.Authorization = `Bearer ${key}`"), "the key goes in the Authorization header");
    assertTrue(api.contains("sessionStorage.setItem"), "the key lives in sessionStorage");
  }
}
