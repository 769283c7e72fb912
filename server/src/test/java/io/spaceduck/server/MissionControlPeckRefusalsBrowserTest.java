package io.spaceduck.server;

import static io.spaceduck.server.Browsers.assertCleanConsole;
import static io.spaceduck.server.Browsers.screenshot;
import static io.spaceduck.server.Browsers.signIn;
import static io.spaceduck.server.Browsers.textIn;
import static io.spaceduck.server.Browsers.visible;
import static io.spaceduck.server.Browsers.waiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The two refusals of a peck in a real browser: the target agent declines it from its inbox (P3),
 * the target's operator rejects it from the approvals (P4); each asks first, and the API then
 * reports the peck declined or rejected. The agents, bonds and the request are made over the API.
 */
@Tag("browser")
class MissionControlPeckRefusalsBrowserTest {
  @TempDir Path dir;
  private MissionControlBrowserTest.Env f;
  private Browsers browsers;
  private URI base;
  private String admin;
  private String scoutKey;
  private String relayKey;
  private String bobKey;
  private String relayCert;

  @BeforeEach
  void start() {
    Browsers.service(); // skips (or fails, when required) before any engine starts
    f = new MissionControlBrowserTest.Env(dir);
    browsers = new Browsers();
    base = f.server.uri();
    admin = f.bootstrapAdmin();
    String ada = operator("Ada", "ada@example.org");
    bobKey = operator("Bob", "bob@example.org");
    scoutKey = f.client.post("/beak/bonds", ada, Fixture.obj().put("agent_name", "scout-7")).expect(201).json().path("key").path("key").asText();
    JsonNode relay = f.client.post("/beak/bonds", bobKey, Fixture.obj().put("agent_name", "relay-2")).expect(201).json();
    relayKey = relay.path("key").path("key").asText();
    relayCert = relay.path("certificate").path("cert_id").asText();
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

  private String operator(String name, String email) {
    return f.operator(admin, name, email).path("key").path("key").asText();
  }


  /** scout-7 asks relay-2 for a peck. */
  private String request() {
    return f.client.post("/beak/peck", scoutKey, Fixture.obj().put("target_cert_id", relayCert).put("duration_seconds", 3600)
        .set("scope", ValidatingClient.JSON.createArrayNode().add("chat:read"))).expect(201).text("peck_id");
  }

  private String stateOf(String peckId) {
    return f.client.get("/beak/pecks/" + peckId, scoutKey).expect(200).text("state");
  }

  private void pecks(WebDriver d) {
    d.get(base.resolve("/#/pecks").toString());
  }

  @Test
  @Tag("P3")
  void theTargetAgent_declinesAPeck_fromItsInbox() {
    String peckId = request();
    ChromeDriver d = browsers.open();
    signIn(d, base, relayKey);
    pecks(d);
    String card = "#inbox [data-peck-id='" + peckId + "']";
    textIn(d, card + " [data-field=scope]", "chat:read");
    // destructive: it asks first, and Cancel (or Escape) changes nothing
    d.findElement(By.cssSelector(card + " [data-action=decline]")).click();
    textIn(d, "dialog[open]", "Decline peck " + peckId);
    d.switchTo().activeElement().sendKeys(Keys.ESCAPE);
    waiting(d).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("dialog"), 0));
    assertEquals("requested", stateOf(peckId));
    d.findElement(By.cssSelector(card + " [data-action=decline]")).click();
    visible(d, "dialog[open] [data-confirm=yes]").click();
    textIn(d, ".messages", "Peck " + peckId + " is now declined.");
    assertEquals("declined", stateOf(peckId));
    // gone from the inbox, followed below with its state
    waiting(d).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(card), 0));
    textIn(d, "#inbox", "Nothing waiting for you.");
    textIn(d, "#peck-shown [data-peck-id='" + peckId + "'] [data-field=state]", "declined");
    ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", "#peck-shown [data-peck-id='" + peckId + "']");
    screenshot(d, "pecks-declined");
    // and the operator has nothing to approve
    var late = f.client.post("/beak/pecks/" + peckId + "/approve", bobKey, (String) null);
    assertTrue(late.status() >= 400, "a declined peck is not approved: " + late.status());
    assertEquals("declined", stateOf(peckId));
    assertCleanConsole(d);
  }

  @Test
  @Tag("P4")
  void theTargetsOperator_rejectsAnAcceptedPeck() {
    String peckId = request();
    f.client.post("/beak/pecks/" + peckId + "/accept", relayKey, (String) null).expect(200);
    ChromeDriver d = browsers.open();
    signIn(d, base, bobKey);
    pecks(d);
    String card = "#pending [data-peck-id='" + peckId + "']";
    textIn(d, card + " [data-field=duration]", "1 h");
    d.findElement(By.cssSelector(card + " [data-action=reject]")).click();
    textIn(d, "dialog[open]", "Reject peck " + peckId);
    d.findElement(By.cssSelector("dialog[open] [data-confirm=no]")).click();
    waiting(d).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("dialog"), 0));
    assertEquals("accepted", stateOf(peckId));
    d.findElement(By.cssSelector(card + " [data-action=reject]")).click();
    visible(d, "dialog[open] [data-confirm=yes]").click();
    textIn(d, ".messages", "Peck " + peckId + " is now rejected.");
    assertEquals("rejected", stateOf(peckId));
    waiting(d).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(card), 0));
    textIn(d, "#pending", "No approvals waiting.");
    textIn(d, "#peck-shown [data-peck-id='" + peckId + "'] [data-field=state]", "rejected");
    screenshot(d, "pecks-rejected");
    // a rejected peck gives no session
    var session = f.client.post("/beak/pecks/" + peckId + "/session", scoutKey, (String) null);
    assertTrue(session.status() >= 400, "no session for a rejected peck: " + session.status());
    assertCleanConsole(d);
  }
}
