package io.spaceduck.server;

import static io.spaceduck.server.Browsers.screenshot;
import static io.spaceduck.server.Browsers.textIn;
import static io.spaceduck.server.Browsers.visible;
import static io.spaceduck.server.Browsers.waiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.devtools.NetworkInterceptor;
import org.openqa.selenium.remote.http.Contents;
import org.openqa.selenium.remote.http.HttpResponse;
import org.openqa.selenium.remote.http.Route;

/**
 * The hatch page with a Turnstile site key, in headless chromium — and nothing loaded from
 * Cloudflare: the browser's requests to {@code challenges.cloudflare.com} are answered by the test
 * (DevTools request interception) with a stand-in widget script, and the host resolves nowhere should
 * one slip past. The stand-in is served from Cloudflare's URL, so the page's policy must allow it; it
 * records what the page asks of {@code turnstile} and hands out the token the test chooses. The
 * engine's human check passes only the token {@value Fixture#HUMAN}.
 */
@Tag("browser")
class TurnstileWidgetBrowserTest {
  static final String FAKE_API = """
      window.turnstileLog = { renders: [], resets: [], removed: [] };
      window.turnstile = {
        render(el, opts) {
          const id = 'w' + (window.turnstileLog.renders.length + 1);
          window.turnstileLog.renders.push(opts.sitekey);
          const b = document.createElement('button');
          b.type = 'button';
          b.id = 'fake-turnstile';
          b.textContent = 'Stand-in widget';
          b.addEventListener('click', () => opts.callback(window.turnstileNextToken));
          el.append(b);
          return id;
        },
        reset(id) { window.turnstileLog.resets.push(id); },
        remove(id) { window.turnstileLog.removed.push(id); },
      };
      """;

  @TempDir Path dir;

  @Test
  void withASiteKey_theWidgetIsRendered_itsTokenIsSent_andARefusalResetsIt() throws Exception {
    Browsers.service(); // skips (or fails, when required) before any engine starts
    List<String> cloudflare = new CopyOnWriteArrayList<>();
    try (Fixture f = new Fixture(dir, "memory:", b -> {}, b -> b.turnstileSiteKey(TurnstileSiteKeyTest.SITE_KEY));
        Browsers browsers = new Browsers()) {
      ChromeDriver d = browsers.open(1280, 1000, "--host-resolver-rules=MAP challenges.cloudflare.com ~NOTFOUND");
      Route standIn = Route.matching(req -> "challenges.cloudflare.com".equals(URI.create(req.getUri()).getHost()))
          .to(() -> req -> {
            cloudflare.add(req.getUri());
            return new HttpResponse().setStatus(200).addHeader("Content-Type", "text/javascript; charset=utf-8")
                .setContent(Contents.utf8String(FAKE_API));
          });
      try (NetworkInterceptor intercept = new NetworkInterceptor(d, standIn)) {
        JavascriptExecutor js = d;
        URI base = f.server.uri();
        d.get(base.resolve("/#/hatch").toString());
        visible(d, "#fake-turnstile");
        assertEquals(List.of(TurnstileSiteKeyTest.SITE_KEY), js.executeScript("return window.turnstileLog.renders"));
        d.findElement(By.id("hatch-name")).sendKeys("Grace");
        d.findElement(By.id("hatch-email")).sendKeys("grace@example.org");
        screenshot(d, "hatch-turnstile");

        // no token yet: the page asks for the check, nothing is sent
        d.findElement(By.cssSelector("#hatch-form button[type=submit]")).click();
        textIn(d, "#hatch-form .messages", "Complete the human check");
        assertTrue(f.codes.isEmpty());

        // a token the server's check refuses: the refusal is shown and the widget is reset
        js.executeScript("window.turnstileNextToken = 'not-a-human'");
        d.findElement(By.id("fake-turnstile")).click();
        d.findElement(By.cssSelector("#hatch-form button[type=submit]")).click();
        textIn(d, "#hatch-form .messages", "rejected");
        waiting(d).until(x -> List.of("w1").equals(js.executeScript("return window.turnstileLog.resets")));
        d.findElement(By.cssSelector("#hatch-form button[type=submit]")).click();
        textIn(d, "#hatch-form .messages", "Complete the human check"); // the spent token is forgotten

        // the token the check passes: the code is sent, the widget removed
        js.executeScript("window.turnstileNextToken = '" + Fixture.HUMAN + "'");
        d.findElement(By.id("fake-turnstile")).click();
        d.findElement(By.cssSelector("#hatch-form button[type=submit]")).click();
        visible(d, "#hatch-code");
        assertEquals(1, f.codes.size(), "the hatch started with the widget's token");
        assertEquals(List.of("w1"), js.executeScript("return window.turnstileLog.removed"));

        // away and back to the hatch view twice, in the same page: a new widget each time, the script added once
        for (int i = 0; i < 2; i++) {
          js.executeScript("location.hash = '#/sign-in'");
          visible(d, "#key");
          js.executeScript("location.hash = '#/hatch'");
          visible(d, "#fake-turnstile");
        }
        assertEquals(3L, js.executeScript("return window.turnstileLog.renders.length"), "one page: the log survived");
        assertEquals(1L, js.executeScript(
            "return document.querySelectorAll('script[src=\"" + MissionControlStaticTest.TURNSTILE_SCRIPT + "\"]').length"));
        assertTrue(cloudflare.stream().allMatch(MissionControlStaticTest.TURNSTILE_SCRIPT::equals), cloudflare.toString());

        // no CSP violation or other error; the browser's own line for the refused hatch is expected
        var errors = Browsers.consoleErrors(d);
        assertTrue(errors.stream().allMatch(e -> e.contains("/beak/hatch") && e.contains("422")), errors.toString());
      }
    }
  }
}
