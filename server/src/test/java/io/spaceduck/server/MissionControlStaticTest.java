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

  /** Cloudflare's widget script, the only file from another origin a page may load (with a site key only). */
  static final String TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";

  /**
   * The hatch view asks {@code /beak/config} first and adds Cloudflare's script (once, as an element with
   * a src, no inline script) only after it found a site key; no other file names Cloudflare or adds a
   * script. The browser tests run without a site key, so this is what holds the rule with one.
   */
  @Test
  void hatchJs_loadsCloudflare_onlyWithASiteKey() throws IOException, URISyntaxException {
    Path root = Path.of(MissionControlStaticTest.class.getResource("/io/spaceduck/server/static/index.html").toURI()).getParent();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".svg")).toList();
    }
    for (Path p : files) {
      String name = root.relativize(p).toString();
      String text = Files.readString(p);
      if (!name.equals("app/hatch.js")) {
        assertFalse(text.contains("cloudflare.com"), name + " names Cloudflare");
        assertFalse(text.contains("createElement('script')") || text.contains("createElement(\"script\")"), name + " adds a script");
      }
    }
    String hatch = Files.readString(root.resolve("app/hatch.js"));
    assertEquals(1, count(hatch, "challenges.cloudflare.com"), "one URL from Cloudflare");
    assertEquals(1, count(hatch, "const TURNSTILE_SCRIPT = '" + TURNSTILE_SCRIPT + "';"), "the explicit-rendering script, as a constant");
    assertEquals(2, count(hatch, "TURNSTILE_SCRIPT"), "the constant, used once");
    String loader = body(hatch, "function loadTurnstile() {");
    assertTrue(loader.contains("if (!turnstileLoaded) {"), "the script is added once per page");
    assertEquals(1, count(hatch, "document.createElement('script')"));
    assertTrue(loader.contains("document.createElement('script')") && loader.contains("script.src = TURNSTILE_SCRIPT;"), loader);
    assertFalse(loader.matches("(?s).*script\\.(text|textContent|innerText)\\s*=.*"), "no inline script");
    // the only call of the loader: in showWidget, after the config from the server had a site key
    assertEquals(2, count(hatch, "loadTurnstile()"), "the definition and one call");
    String show = body(hatch, "async function showWidget() {");
    int config = show.indexOf("await call('GET', '/beak/config', { anonymous: true })");
    int guard = show.indexOf("if (!siteKey) return;");
    int load = show.indexOf("await loadTurnstile()");
    assertTrue(config >= 0 && config < guard && guard < load, show);
    assertTrue(show.contains("typeof config.turnstile_site_key === 'string' ? config.turnstile_site_key : ''"), show);
    assertTrue(show.contains("api.render(human, {") && show.contains("sitekey: siteKey,") && show.contains("callback: (t) => { token = t; },"), show);
    // the token it yields is the challenge token; a refused attempt resets the widget
    assertTrue(hatch.contains("challenge_token: token }"), "the widget's token is sent");
    assertTrue(hatch.contains("turnstile.reset(widget);"), "a refused attempt resets the widget");
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
      n++;
    }
    return n;
  }

  /** The body of the function whose header is {@code header}, by matching braces. */
  private static String body(String text, String header) {
    int start = text.indexOf(header);
    assertTrue(start >= 0, "no " + header);
    int depth = 0;
    for (int i = start + header.length() - 1; i < text.length(); i++) {
      char c = text.charAt(i);
      depth += c == '{' ? 1 : c == '}' ? -1 : 0;
      if (depth == 0) {
        return text.substring(start, i + 1);
      }
    }
    throw new AssertionError("unbalanced " + header);
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
      if (name.equals("app/hatch.js")) {
        text = text.replace(TURNSTILE_SCRIPT, ""); // the one exception, checked in hatchJs_loadsCloudflare_onlyWithASiteKey
      }
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
