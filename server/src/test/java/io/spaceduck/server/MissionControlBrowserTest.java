package io.spaceduck.server;

import static io.spaceduck.server.Browsers.assertCleanConsole;
import static io.spaceduck.server.Browsers.screenshot;
import static io.spaceduck.server.Browsers.signIn;
import static io.spaceduck.server.Browsers.textIn;
import static io.spaceduck.server.Browsers.visible;
import static io.spaceduck.server.Browsers.waiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spaceduck.conformance.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Mission Control in a real browser (headless chromium, see {@link Browsers}): every page is the
 * static front end calling the public API of a server on a free loopback port, over an engine whose
 * clock the test moves. Each test saves screenshots under {@code target/screenshots/} and proves the
 * console stayed free of errors (no CSP violation, no exception, no failed load).
 */
@Tag("browser")
class MissionControlBrowserTest {
  @TempDir Path dir;
  private Env f;
  private Browsers browsers;
  private URI base;
  private String admin;

  @BeforeEach
  void start() {
    Browsers.service(); // skips (or fails, when required) before any engine starts
    // the hatch page sends no Turnstile token (this server has no site key): the test engine's human check passes
    f = new Env(dir);
    browsers = new Browsers();
    base = f.server.uri();
    admin = f.bootstrapAdmin();
  }

  @AfterEach
  void stop() {
    if (browsers != null) {
      browsers.close();
    }
    if (f != null) {
      f.close();
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  /**
   * As {@link Fixture}, but the human check passes every hatch: the hatch page sends no Turnstile
   * token (this server publishes no site key), as {@code duck serve}'s development mode accepts.
   */
  static final class Env implements AutoCloseable {
    final MutableClock clock = new MutableClock(java.time.Instant.parse("2026-12-01T10:00:00Z"));
    final Map<String, String> codes = new java.util.concurrent.ConcurrentHashMap<>();
    final io.spaceduck.api.SpaceDuck duck;
    final SpaceDuckServer server;
    final ValidatingClient client;

    Env(Path dir) {
      duck = io.spaceduck.api.SpaceDuck.builder().storageUri("memory:")
          .kek(io.spaceduck.core.DevelopmentKek.fromFile(dir.resolve("dev-kek.json")))
          .clock(clock)
          .humanCheck((token, source) -> true)
          .verificationDelivery((email, hatch, code, expiresAt) -> codes.put(hatch.value(), code.reveal()))
          .build();
      server = SpaceDuckServer.builder().engine(duck).clock(clock).listen(new java.net.InetSocketAddress("127.0.0.1", 0)).start();
      client = new ValidatingClient(server.uri());
    }

    String bootstrapAdmin() {
      return duck.admin().bootstrap("Mission Control", io.spaceduck.api.Email.of("admin@example.org")).key().key().reveal();
    }

    ValidatingClient.Exchange hatch(String name, String email) {
      String hatchId = client.post("/beak/hatch", null, Fixture.obj().put("display_name", name).put("email", email)).expect(202).text("hatch_id");
      return client.post("/beak/hatch/" + hatchId + "/complete", null, Fixture.obj().put("code", codes.get(hatchId))).expect(201);
    }

    /** A duckling hatched over HTTP and promoted to an operator (T2) by the admin: the hatch answer. */
    JsonNode operator(String adminKey, String name, String email) {
      JsonNode h = hatch(name, email).json();
      client.post("/beak/identities/" + h.path("duckling").path("id").asText() + "/promote", adminKey,
          Fixture.obj().put("tier", "T2")).expect(200);
      return h;
    }

    String auditHead(String adminKey) {
      return duck.audit().verify(io.spaceduck.api.BeakKey.of(adminKey)).head().map(h -> h.seq() + ":" + h.hash().hex()).orElse("empty");
    }

    @Override
    public void close() {
      try {
        server.close();
      } finally {
        duck.close();
      }
    }
  }

  private record Who(String id, String key, JsonNode json) {}

  /** A duckling hatched over HTTP and promoted to an operator (T2) by the admin. */
  private Who operator(String name, String email) {
    JsonNode h = f.operator(admin, name, email);
    return new Who(h.path("duckling").path("id").asText(), h.path("key").path("key").asText(), h);
  }

  private Who bond(Who operator, String agentName) {
    JsonNode b = f.client.post("/beak/bonds", operator.key(), Fixture.obj().put("agent_name", agentName)).expect(201).json();
    return new Who(b.path("agent").path("id").asText(), b.path("key").path("key").asText(), b);
  }

  private void go(WebDriver d, String hash) {
    d.get(base.resolve("/" + hash).toString());
  }

  private static Object js(WebDriver d, String script) {
    return ((JavascriptExecutor) d).executeScript(script);
  }

  /** An element's class, read in one step (the table is re-rendered by polling). */
  private static String classOf(WebDriver d, String css) {
    return (String) ((JavascriptExecutor) d).executeScript("return document.querySelector(arguments[0]).className", css);
  }

  private static void confirm(WebDriver d) {
    visible(d, "dialog[open] [data-confirm=yes]").click();
  }

  // ---- the tests --------------------------------------------------------------------------------------

  @Test
  void signIn_showsWhoIAm_andSignOutForgetsTheKey() throws Exception {
    ChromeDriver d = browsers.open();
    go(d, "");
    visible(d, "#sign-in-form");
    screenshot(d, "sign-in");
    // from a file
    Path keyFile = dir.resolve("admin.key");
    Files.writeString(keyFile, admin + "\n");
    d.findElement(By.id("key-file")).sendKeys(keyFile.toAbsolutePath().toString());
    textIn(d, ".messages", "Key read from the file");
    d.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
    textIn(d, "[data-field=tier]", "T2");
    JsonNode me = f.client.get("/beak/whoami", admin).expect(200).json();
    assertEquals(me.path("id").asText(), d.findElement(By.cssSelector("[data-field=identity-id]")).getText());
    assertEquals("admin", d.findElement(By.cssSelector("[data-field=roles]")).getText());
    assertEquals("Mission Control", d.findElement(By.cssSelector("[data-field=display-name]")).getText());
    String cert = f.client.get("/beak/identities/" + me.path("id").asText(), admin).expect(200).text("current_cert_id");
    assertEquals(cert, d.findElement(By.cssSelector("[data-field=current-cert] a")).getText());
    // the key: in sessionStorage only, not in the URL, not in localStorage, no cookie
    assertEquals(admin, js(d, "return sessionStorage.getItem('spaceduck.beakKey')"));
    assertEquals(0L, js(d, "return localStorage.length"));
    assertFalse(d.getCurrentUrl().contains(admin));
    assertEquals("", js(d, "return document.cookie"));
    screenshot(d, "who-am-i");

    d.findElement(By.id("sign-out")).click();
    visible(d, "#sign-in-form");
    textIn(d, ".messages", "Signed out");
    assertNull(js(d, "return sessionStorage.getItem('spaceduck.beakKey')"));
    go(d, "#/keys");
    visible(d, "#sign-in-form"); // a signed-out tab cannot reach a page that needs a key
    assertCleanConsole(d);

    // readable on a phone-sized window: nothing wider than the screen
    ChromeDriver phone = browsers.open(390, 844);
    signIn(phone, base, admin);
    assertTrue((Long) js(phone, "return document.documentElement.scrollWidth") <= 390, "no horizontal scrolling on a phone");
    screenshot(phone, "who-am-i-phone");
    assertCleanConsole(phone);
  }

  @Test
  @Tag("K1") @Tag("B1")
  void bondAnAgent_showsItsKeyOnce() {
    Who ada = operator("Ada", "ada@example.org");
    ChromeDriver d = browsers.open();
    signIn(d, base, ada.key());
    go(d, "#/agents");
    visible(d, "#agent-name").sendKeys("scout-7");
    d.findElement(By.cssSelector("#bond-form button[type=submit]")).click();
    String key = visible(d, ".once input.secret").getAttribute("value");
    assertTrue(key.startsWith("bk_"), key);
    textIn(d, ".once .warn", "Shown once");
    textIn(d, "#agents tbody", "scout-7");
    screenshot(d, "agents-bond");
    // the key is real: the agent authenticates with it
    JsonNode agent = f.client.get("/beak/whoami", key).expect(200).json();
    assertEquals("agent", agent.path("kind").asText());
    // once: hidden on request, and nowhere after a reload
    d.findElement(By.cssSelector(".once [data-action=saved]")).click();
    waiting(d).until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".once")));
    d.navigate().refresh();
    textIn(d, "#agents tbody", "scout-7");
    assertFalse(d.getPageSource().contains(key), "the key is not shown again");
    assertFalse(js(d, "return JSON.stringify(sessionStorage)").toString().contains(key));
    assertCleanConsole(d);
  }

  @Test
  @Tag("K3") @Tag("K4")
  void rotateThenRevoke_theOldKeyIsRefused() {
    Who ada = operator("Ada", "ada@example.org");
    Who scout = bond(ada, "scout-7");
    String oldKeyId = f.client.get("/beak/whoami", scout.key()).expect(200).text("key_id");
    ChromeDriver d = browsers.open();
    signIn(d, base, ada.key());
    go(d, "#/keys/" + scout.id());
    visible(d, "#keys tr[data-key-id='" + oldKeyId + "'] [data-action=rotate]").click();
    String newKey = visible(d, ".once input.secret").getAttribute("value");
    textIn(d, ".once", "keeps working until");
    textIn(d, "#keys tr[data-key-id='" + oldKeyId + "'] [data-field=state]", "in grace until");
    screenshot(d, "keys-rotated");
    assertEquals(200, f.client.get("/beak/whoami", scout.key()).status(), "the old key works in its grace period");
    assertEquals(scout.id(), f.client.get("/beak/whoami", newKey).expect(200).text("id"));

    // revoke the old key, confirmed first
    visible(d, "#keys tr[data-key-id='" + oldKeyId + "'] select[name=reason]").sendKeys("compromised");
    d.findElement(By.cssSelector("#keys tr[data-key-id='" + oldKeyId + "'] [data-action=revoke-key]")).click();
    // the dialog starts on Cancel; Escape cancels too (keyboard)
    assertEquals("no", visible(d, "dialog[open]").findElement(By.cssSelector(":focus")).getAttribute("data-confirm"));
    d.switchTo().activeElement().sendKeys(Keys.ESCAPE);
    waiting(d).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("dialog"), 0));
    assertEquals(200, f.client.get("/beak/whoami", scout.key()).status(), "nothing happens without the confirmation");
    d.findElement(By.cssSelector("#keys tr[data-key-id='" + oldKeyId + "'] [data-action=revoke-key]")).click();
    confirm(d);
    textIn(d, "#keys tr[data-key-id='" + oldKeyId + "'] [data-field=state]", "revoked (compromised");
    f.client.get("/beak/whoami", scout.key()).problem(401, "unauthenticated");
    assertEquals(200, f.client.get("/beak/whoami", newKey).status());
    screenshot(d, "keys-revoked");
    assertCleanConsole(d);

    // K5: an admin replaces the new key (revoke + issue in one step)
    String newKeyId = f.client.get("/beak/whoami", newKey).expect(200).text("key_id");
    ChromeDriver adminTab = browsers.open();
    signIn(adminTab, base, admin);
    go(adminTab, "#/keys/" + scout.id());
    visible(adminTab, "#keys tr[data-key-id='" + newKeyId + "'] [data-action=replace-key]").click();
    confirm(adminTab);
    String replacement = visible(adminTab, ".once input.secret").getAttribute("value");
    textIn(adminTab, "#keys tr[data-key-id='" + newKeyId + "'] [data-field=state]", "revoked");
    f.client.get("/beak/whoami", newKey).problem(401, "unauthenticated");
    assertEquals(scout.id(), f.client.get("/beak/whoami", replacement).expect(200).text("id"));
    screenshot(adminTab, "keys-replaced");
    assertCleanConsole(adminTab);
  }

  @Test
  @Tag("P3") @Tag("P4") @Tag("P5") @Tag("B3")
  void aPeck_acceptedInOneSession_approvedInAnother_thenListedActiveAndClosed() {
    Who ada = operator("Ada", "ada@example.org");
    Who bob = operator("Bob", "bob@example.org");
    Who scout = bond(ada, "scout-7");
    Who relay = bond(bob, "relay-2");
    String relayCert = relay.json().path("certificate").path("cert_id").asText();
    String peckId = f.client.post("/beak/peck", scout.key(), Fixture.obj().put("target_cert_id", relayCert).put("duration_seconds", 3600)
        .set("scope", ValidatingClient.JSON.createArrayNode().add("chat:read"))).expect(201).text("peck_id");

    // the operator watches the approvals page before anything waits for them
    ChromeDriver operatorTab = browsers.open();
    signIn(operatorTab, base, bob.key());
    go(operatorTab, "#/pecks");
    textIn(operatorTab, "#pending", "No approvals waiting.");

    ChromeDriver agentTab = browsers.open();
    signIn(agentTab, base, relay.key());
    go(agentTab, "#/pecks");
    textIn(agentTab, "#inbox [data-peck-id='" + peckId + "'] [data-field=scope]", "chat:read");
    screenshot(agentTab, "pecks-inbox");
    agentTab.findElement(By.cssSelector("#inbox [data-peck-id='" + peckId + "'] [data-action=accept]")).click();
    textIn(agentTab, ".messages", "is now accepted");

    // …and the operator's page shows it by polling, without a click
    String card = "#pending [data-peck-id='" + peckId + "']";
    textIn(operatorTab, card + " [data-field=requester]", scout.id());
    textIn(operatorTab, card + " [data-field=duration]", "1 h");
    screenshot(operatorTab, "pecks-pending");
    operatorTab.findElement(By.cssSelector(card + " [data-action=approve]")).click();
    textIn(operatorTab, ".messages", "is now active");
    // P5, B3: the active peck comes from GET /beak/pecks/active, with its session expiry
    String expires = f.client.get("/beak/pecks/" + peckId, scout.key()).expect(200).text("session_expires_at");
    String active = "#active-pecks [data-peck-id='" + peckId + "']";
    textIn(operatorTab, active + " [data-field=state]", "active");
    assertEquals(expires, visible(operatorTab, active + " [data-field=session-expires] time").getAttribute("datetime"));
    screenshot(operatorTab, "pecks-active");

    // the requester's own console, in a tab that never saw the peck, lists it from the API and closes it
    ChromeDriver requesterTab = browsers.open();
    signIn(requesterTab, base, scout.key());
    go(requesterTab, "#/pecks");
    textIn(requesterTab, active + " [data-field=requester]", scout.id());
    textIn(requesterTab, active + " [data-field=target]", relay.id());
    textIn(requesterTab, active + " [data-field=scope]", "chat:read");
    assertEquals(expires, visible(requesterTab, active + " [data-field=session-expires] time").getAttribute("datetime"));
    screenshot(requesterTab, "pecks-active-agent");
    requesterTab.findElement(By.cssSelector(active + " [data-action=close]")).click();
    textIn(requesterTab, "dialog[open]", "Its sessions end at once for both sides.");
    confirm(requesterTab);
    textIn(requesterTab, ".messages", "is now closed");
    textIn(requesterTab, "#active-pecks", "No active pecks.");
    assertEquals("closed", f.client.get("/beak/pecks/" + peckId, scout.key()).expect(200).text("state"));
    // …and the operator's list drops it by polling, without a click
    textIn(operatorTab, "#active-pecks", "No active pecks.");
    assertTrue(operatorTab.findElements(By.cssSelector(active)).isEmpty());
    assertCleanConsole(requesterTab);
    assertCleanConsole(agentTab);
    assertCleanConsole(operatorTab);
  }

  @Test
  @Tag("U2")
  void aStaleAgent_isHighlighted_afterTheClockMoves() {
    Who ada = operator("Ada", "ada@example.org");
    Who scout = bond(ada, "scout-7");
    Who relay = bond(ada, "relay-2");
    f.client.post("/beak/pulse", scout.key(), Fixture.obj().put("status", "ok")).expect(200);
    f.client.post("/beak/pulse", relay.key(), Fixture.obj().put("status", "ok")).expect(200);
    ChromeDriver d = browsers.open();
    signIn(d, base, ada.key());
    go(d, "#/agents");
    String scoutRow = "#agents tr[data-agent-id='" + scout.id() + "']";
    String relayRow = "#agents tr[data-agent-id='" + relay.id() + "']";
    visible(d, scoutRow);
    assertEquals("", classOf(d, scoutRow));

    f.clock.advance(Duration.ofMinutes(6));
    f.client.post("/beak/pulse", relay.key(), Fixture.obj().put("status", "busy")).expect(200); // relay keeps pulsing
    d.findElement(By.id("agents-refresh")).click();
    waiting(d).until(ExpectedConditions.attributeContains(By.cssSelector(scoutRow), "class", "stale"));
    assertEquals("", classOf(d, relayRow), "the agent that pulsed is not stale");
    textIn(d, relayRow, "busy");
    screenshot(d, "agents-stale");

    // the threshold is adjustable: at 10 minutes the 6-minute silence is not stale
    var minutes = d.findElement(By.id("stale-minutes"));
    minutes.clear();
    minutes.sendKeys("10\t");
    waiting(d).until(ExpectedConditions.not(ExpectedConditions.attributeContains(By.cssSelector(scoutRow), "class", "stale")));
    assertCleanConsole(d);
  }

  @Test
  @Tag("A3")
  void auditVerify_showsTheResultAndTheHead() {
    Who ada = operator("Ada", "ada@example.org");
    for (int i = 0; i < 10; i++) {
      bond(ada, "agent-" + i); // more events than one page of 10
    }
    String headSeq = f.auditHead(admin).split(":")[0];
    assertTrue(Integer.parseInt(headSeq) > 10 && Integer.parseInt(headSeq) <= 20, headSeq);
    ChromeDriver d = browsers.open();
    signIn(d, base, admin);
    go(d, "#/audit");
    visible(d, "#audit tbody tr[data-seq]");
    // paginated: 10 per page, then the rest
    new org.openqa.selenium.support.ui.Select(d.findElement(By.id("audit-limit"))).selectByValue("10");
    textIn(d, "#audit-page", "events 1 to 10");
    visible(d, "#audit-next").click();
    textIn(d, "#audit-page", "events 11 to " + headSeq);
    assertFalse(d.findElement(By.id("audit-next")).isDisplayed(), "no further page");
    // filter by action
    visible(d, "#audit-action").sendKeys("tier.promoted");
    d.findElement(By.cssSelector("#audit-filters button[type=submit]")).click();
    waiting(d).until(x -> x.findElements(By.cssSelector("#audit tbody tr[data-seq]")).size() == 1);
    d.findElement(By.id("verify")).click();
    textIn(d, "[data-field=verdict]", "The chain is intact");
    String head = f.auditHead(admin);
    assertEquals(head, d.findElement(By.cssSelector("[data-field=head-seq]")).getText() + ":"
        + d.findElement(By.cssSelector("[data-field=head-hash]")).getText());
    screenshot(d, "audit");
    // the kept head, given back, verifies too
    d.findElement(By.id("head-seq")).sendKeys(head.split(":")[0]);
    d.findElement(By.id("head-hash")).sendKeys(head.split(":")[1]);
    d.findElement(By.id("verify")).click();
    textIn(d, "[data-field=verdict]", "The chain is intact");
    assertCleanConsole(d);
  }

  @Test
  @Tag("C5")
  void certificateCard_verifiesInTheBrowser_andATamperedJwsDoesNot() {
    Who ada = operator("Ada", "ada@example.org");
    String first = ada.json().path("certificate").path("cert_id").asText();
    String jws = ada.json().path("certificate").path("jws").asText();
    String current = f.client.get("/beak/identities/" + ada.id(), ada.key()).expect(200).text("current_cert_id");
    assertNotEquals(first, current);
    ChromeDriver d = browsers.open();
    signIn(d, base, ada.key());
    d.findElement(By.cssSelector("[data-field=current-cert] a")).click();
    waiting(d).until(ExpectedConditions.attributeToBe(By.id("verdict"), "data-verdict", "verified"));
    textIn(d, "#verdict", "Verified offline, in your browser");
    textIn(d, "[data-field=display-name]", "Ada");
    textIn(d, "[data-field=status]", "current");
    screenshot(d, "certificate");

    // the hatch certificate was superseded by the promotion
    d.get(base.resolve("/cert/" + first).toString());
    waiting(d).until(ExpectedConditions.attributeToBe(By.id("verdict"), "data-verdict", "verified"));
    textIn(d, "[data-field=superseded-by]", "Superseded by " + current);
    screenshot(d, "certificate-superseded");

    // a tampered JWS: the claims say T3, the signature is the original's
    String[] parts = jws.split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String forged = claims.replace("\"T1\"", "\"T3\"");
    assertNotEquals(claims, forged);
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(forged.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    d.findElement(By.id("jws-input")).sendKeys(tampered);
    d.findElement(By.id("jws-verify")).click();
    textIn(d, "#jws-result .verdict", "Not verified");
    screenshot(d, "certificate-tampered");
    // and the genuine one, pasted, verifies
    d.findElement(By.id("jws-input")).clear();
    d.findElement(By.id("jws-input")).sendKeys(jws);
    d.findElement(By.id("jws-verify")).click();
    textIn(d, "#jws-result .verdict", "Verified offline, in your browser");
    assertCleanConsole(d);
  }

  @Test
  @Tag("H1")
  void aHostileDisplayName_rendersAsText_andRunsNothing() {
    String hostile = "<img src=x onerror=alert(1)>";
    JsonNode h = f.operator(admin, hostile, "mallory@example.org");
    String key = h.path("key").path("key").asText();
    f.client.post("/beak/bonds", key, Fixture.obj().put("agent_name", "<script>alert(2)</script>")).expect(201);
    ChromeDriver d = browsers.open();
    signIn(d, base, key);
    assertEquals(hostile, d.findElement(By.cssSelector("[data-field=display-name]")).getText());
    assertEquals(hostile, d.findElement(By.cssSelector("[data-field=badge-name]")).getText());
    go(d, "#/agents");
    textIn(d, "#agents tbody", "<script>alert(2)</script>");
    screenshot(d, "hostile-agents");
    d.findElement(By.cssSelector("#agents tbody a.button[href^='/cert/']")).click();
    textIn(d, "[data-field=display-name]", "<script>alert(2)</script>");
    waiting(d).until(ExpectedConditions.attributeToBe(By.id("verdict"), "data-verdict", "verified"));
    go(d, "#/me");
    textIn(d, "[data-field=display-name]", hostile);
    screenshot(d, "hostile-me");
    assertEquals(0L, js(d, "return document.querySelectorAll('main img, header img, main script').length"));
    assertThrows(NoAlertPresentException.class, () -> d.switchTo().alert());
    assertCleanConsole(d); // an <img src=x> would have logged a failed load
  }

  @Test
  @Tag("H3")
  void hatch_inTheBrowser_showsTheNewKeyOnce_andSignsIn() {
    ChromeDriver d = browsers.open();
    go(d, "#/hatch");
    visible(d, "#hatch-name").sendKeys("Grace");
    d.findElement(By.id("hatch-email")).sendKeys("grace@example.org");
    screenshot(d, "hatch");
    d.findElement(By.cssSelector("#hatch-form button[type=submit]")).click();
    visible(d, "#hatch-code");
    assertEquals(1, f.codes.size());
    d.findElement(By.id("hatch-code")).sendKeys(f.codes.values().iterator().next());
    d.findElement(By.cssSelector("#hatch-code-form button[type=submit]")).click();
    String key = visible(d, ".once input.secret").getAttribute("value");
    textIn(d, "[data-field=hatched-name]", "Grace");
    screenshot(d, "hatch-key");
    assertEquals("T1", f.client.get("/beak/whoami", key).expect(200).text("tier"));
    d.findElement(By.cssSelector("[data-action=sign-in-new]")).click();
    textIn(d, "[data-field=display-name]", "Grace");
    // a refusal is a plain sentence with its code: a wrong key on the sign-in page
    d.findElement(By.id("sign-out")).click();
    visible(d, "#key").sendKeys("bk_aaaaaaaaaaaaaaaa_wrong");
    d.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
    textIn(d, ".messages", "(unauthenticated, HTTP 401)");
    screenshot(d, "sign-in-refused");
    // the only console entry is the browser's own line for the refused request
    var errors = Browsers.consoleErrors(d);
    assertTrue(errors.stream().allMatch(e -> e.contains("/beak/whoami") && e.contains("401")), errors.toString());
  }
}
