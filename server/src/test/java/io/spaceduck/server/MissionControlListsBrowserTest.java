package io.spaceduck.server;

import static io.spaceduck.server.Browsers.assertCleanConsole;
import static io.spaceduck.server.Browsers.screenshot;
import static io.spaceduck.server.Browsers.signIn;
import static io.spaceduck.server.Browsers.textIn;
import static io.spaceduck.server.Browsers.visible;
import static io.spaceduck.server.Browsers.waiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.Tier;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * Mission Control's long lists in a real browser: the Agents and Keys tables come whole from the
 * API and are paged in the browser (page size, Previous/Next, "n–m of N"); the page survives the
 * automatic refresh, and a stale agent on another page is highlighted there and counted on every
 * page. The fixtures are made through the engine (25 bonds, pulses, rotations), not in the browser.
 */
@Tag("browser")
class MissionControlListsBrowserTest {
  @TempDir Path dir;
  private MissionControlBrowserTest.Env f;
  private Browsers browsers;
  private URI base;
  private String admin;

  @BeforeEach
  void start() {
    Browsers.service(); // skips (or fails, when required) before any engine starts
    f = new MissionControlBrowserTest.Env(dir);
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

  /** A duckling hatched over HTTP and promoted to an operator (T2) by the admin; its key. */
  private String operator(String name, String email) {
    return f.operator(admin, name, email).path("key").path("key").asText();
  }


  private void go(WebDriver d, String hash) {
    d.get(base.resolve("/" + hash).toString());
  }

  /** The agent names in the table's rows, in order, read in one step (polling re-renders the table). */
  @SuppressWarnings("unchecked")
  private static List<String> names(WebDriver d) {
    return (List<String>) ((JavascriptExecutor) d).executeScript(
        "return [...document.querySelectorAll('#agents tbody tr[data-agent-id] .name')].map(e => e.textContent)");
  }

  /** Waits until the pager's counter reads exactly {@code text} ("1–25 of 25" is inside "21–25 of 25"). */
  private static void range(WebDriver d, String list, String text) {
    waiting(d).until(x -> text.equals(x.findElement(By.id(list + "-range")).getText()));
  }

  private static String classOf(WebDriver d, String css) {
    return (String) ((JavascriptExecutor) d).executeScript("return document.querySelector(arguments[0]).className", css);
  }

  private static List<String> agentNames(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(String.format("agent-%02d", i));
    }
    return out;
  }

  @Test
  @Tag("U2")
  void agents_paginate_keepThePageAcrossTheRefresh_andAStaleAgentOnPage2IsHighlightedAndCounted() {
    String ada = operator("Ada", "ada@example.org");
    // 25 agents bonded and pulsing, made through the engine; bonded in reverse so the table's order is its own (by name)
    List<BondResult> bonds = new ArrayList<>();
    for (int i = 25; i >= 1; i--) {
      bonds.add(0, f.duck.bonds().bond(BeakKey.of(ada), String.format("agent-%02d", i), Tier.T1));
    }
    for (BondResult b : bonds) {
      f.duck.pulses().pulse(b.key().key(), "ok");
    }
    BondResult silent = bonds.get(22); // agent-23: on page 2 with 20 a page
    String silentRow = "#agents tr[data-agent-id='" + silent.agent().id().value() + "']";

    ChromeDriver d = browsers.open(1280, 1600);
    signIn(d, base, ada);
    go(d, "#/agents");
    range(d, "agents", "1–20 of 25");
    assertEquals(agentNames(1, 20), names(d));
    textIn(d, "#agents-summary", "25 agents, none stale");
    assertFalse(d.findElement(By.id("agents-prev")).isEnabled(), "no page before the first");

    // Next, then Previous
    d.findElement(By.id("agents-next")).click();
    range(d, "agents", "21–25 of 25");
    assertEquals(agentNames(21, 25), names(d));
    assertFalse(d.findElement(By.id("agents-next")).isEnabled(), "no page after the last");
    d.findElement(By.id("agents-prev")).click();
    range(d, "agents", "1–20 of 25");
    assertEquals(agentNames(1, 20), names(d));

    // keyboard: Tab from the page size skips the disabled Previous; Enter on Next; the focus moves to
    // Previous when Next is disabled on the last page, so Enter again goes back
    d.findElement(By.id("agents-page-size")).sendKeys(Keys.TAB);
    assertEquals("agents-next", d.switchTo().activeElement().getAttribute("id"));
    d.switchTo().activeElement().sendKeys(Keys.ENTER);
    range(d, "agents", "21–25 of 25");
    waiting(d).until(x -> "agents-prev".equals(x.switchTo().activeElement().getAttribute("id")));
    assertEquals(agentNames(21, 25), names(d));

    // the clock moves; every agent but agent-23 pulses again; the automatic refresh (polling, no
    // click) keeps page 2 and highlights agent-23 there
    f.clock.advance(Duration.ofMinutes(6));
    for (BondResult b : bonds) {
      if (b != silent) {
        f.duck.pulses().pulse(b.key().key(), "ok");
      }
    }
    new org.openqa.selenium.support.ui.WebDriverWait(d, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(200))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(ExpectedConditions.attributeContains(By.cssSelector(silentRow), "class", "stale"));
    range(d, "agents", "21–25 of 25");
    assertEquals(agentNames(21, 25), names(d), "polling kept page 2");
    assertEquals("stale", classOf(d, silentRow));
    textIn(d, silentRow, "stale");
    for (BondResult b : bonds) {
      if (b != silent && names(d).contains(b.bond().agentName())) {
        assertEquals("", classOf(d, "#agents tr[data-agent-id='" + b.agent().id().value() + "']"), b.bond().agentName());
      }
    }
    textIn(d, "[data-field=stale-count]", "1 stale");
    textIn(d, "#agents-summary", "on page 2");
    screenshot(d, "agents-pages");

    // on page 1 the operator sees the count, and a button to the page of the stale agent
    d.findElement(By.id("agents-prev")).click();
    range(d, "agents", "1–20 of 25");
    assertEquals(0, d.findElements(By.cssSelector("#agents tbody tr.stale")).size());
    textIn(d, "[data-field=stale-count]", "1 stale");
    textIn(d, "#agents-summary", "25 agents, 1 stale (no pulse for more than 5 min) on page 2");
    ((JavascriptExecutor) d).executeScript("window.scrollTo(0, 0)");
    screenshot(d, "agents-pages-stale-elsewhere");
    visible(d, "#agents-stale-go").click();
    range(d, "agents", "21–25 of 25");
    waiting(d).until(ExpectedConditions.attributeContains(By.cssSelector(silentRow), "class", "stale"));
    // the Refresh button keeps the page too
    d.findElement(By.id("agents-refresh")).click();
    range(d, "agents", "21–25 of 25");
    assertEquals(agentNames(21, 25), names(d));

    // a larger page: everything at once, nothing to page through; the size is kept for the tab
    new Select(d.findElement(By.id("agents-page-size"))).selectByValue("50");
    range(d, "agents", "1–25 of 25");
    assertEquals(agentNames(1, 25), names(d));
    // one page: the count names no page and offers no jump
    waiting(d).until(x -> "25 agents, 1 stale (no pulse for more than 5 min)".equals(x.findElement(By.id("agents-summary")).getText()));
    assertEquals(0, d.findElements(By.id("agents-stale-go")).size());
    assertFalse(d.findElement(By.id("agents-next")).isEnabled());
    assertFalse(d.findElement(By.id("agents-prev")).isEnabled());
    d.navigate().refresh();
    range(d, "agents", "1–25 of 25");
    assertEquals("50", new Select(d.findElement(By.id("agents-page-size"))).getFirstSelectedOption().getAttribute("value"));
    assertCleanConsole(d);
  }

  @Test
  void agents_aNewBondIsShownOnItsPage() {
    String ada = operator("Ada", "ada@example.org");
    for (int i = 1; i <= 21; i++) {
      f.duck.bonds().bond(BeakKey.of(ada), String.format("agent-%02d", i), Tier.T1);
    }
    ChromeDriver d = browsers.open();
    signIn(d, base, ada);
    go(d, "#/agents");
    range(d, "agents", "1–20 of 21");
    visible(d, "#agent-name").sendKeys("zulu-9");
    d.findElement(By.cssSelector("#bond-form button[type=submit]")).click();
    visible(d, ".once input.secret");
    range(d, "agents", "21–22 of 22");
    assertEquals(List.of("agent-21", "zulu-9"), names(d));
    // agents that never pulsed are stale (U2): both are counted, on pages 1 and 2
    textIn(d, "[data-field=stale-count]", "22 stale");
    textIn(d, "#agents-summary", "on pages 1, 2");
    assertCleanConsole(d);
  }

  @Test
  void keys_paginate_andARevocationOnPage2StaysOnPage2() {
    String ada = operator("Ada", "ada@example.org");
    BondResult scout = f.duck.bonds().bond(BeakKey.of(ada), "scout-7", Tier.T1);
    String oldest = scout.key().info().id().value();
    // 11 rotations, a second apart: 12 keys, newest first in the table
    IssuedKey last = scout.key();
    List<String> ids = new ArrayList<>(List.of(oldest));
    for (int i = 0; i < 11; i++) {
      f.clock.advance(Duration.ofSeconds(1));
      last = f.duck.keys().rotate(BeakKey.of(ada), last.info().id());
      ids.add(0, last.info().id().value());
    }
    ChromeDriver d = browsers.open(1280, 1400);
    signIn(d, base, ada);
    go(d, "#/keys/" + scout.agent().id().value());
    range(d, "keys", "1–12 of 12");
    new Select(d.findElement(By.id("keys-page-size"))).selectByValue("10");
    range(d, "keys", "1–10 of 12");
    assertEquals(ids.subList(0, 10), keyIds(d));
    d.findElement(By.id("keys-next")).click();
    range(d, "keys", "11–12 of 12");
    assertEquals(ids.subList(10, 12), keyIds(d));

    // revoke the oldest key (in grace, on page 2): the table reloads and stays on page 2
    String row = "#keys tr[data-key-id='" + oldest + "']";
    new Select(d.findElement(By.cssSelector(row + " select[name=reason]"))).selectByValue("compromised");
    d.findElement(By.cssSelector(row + " [data-action=revoke-key]")).click();
    visible(d, "dialog[open] [data-confirm=yes]").click();
    textIn(d, row + " [data-field=state]", "revoked (compromised");
    range(d, "keys", "11–12 of 12");
    f.client.get("/beak/whoami", scout.key().key().reveal()).problem(401, "unauthenticated");
    screenshot(d, "keys-pages");
    assertCleanConsole(d);
  }

  @SuppressWarnings("unchecked")
  private static List<String> keyIds(WebDriver d) {
    return (List<String>) ((JavascriptExecutor) d).executeScript(
        "return [...document.querySelectorAll('#keys tbody tr[data-key-id]')].map(e => e.dataset.keyId)");
  }
}
