package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless chromium driven through its own chromedriver, found through
 * {@code SPACEDUCK_TEST_CHROMEDRIVER} (and {@code SPACEDUCK_TEST_CHROMIUM}, default
 * {@code /usr/bin/chromium}). Both paths are given explicitly, so Selenium Manager never runs and
 * nothing is downloaded. Without the variable the browser tests skip, naming it; with
 * {@code SPACEDUCK_TEST_REQUIRE_BROWSER=true} they fail instead (CI).
 *
 * <p>Each browser gets a fresh profile under {@code target/chrome-profiles/}; the console log is
 * collected so a test can prove no page logged an error.
 */
final class Browsers implements AutoCloseable {
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  static final Duration WAIT = Duration.ofSeconds(10);

  private static ChromeDriverService service;
  private final List<ChromeDriver> open = new ArrayList<>();

  /** The chromedriver service (one per test JVM), or the test is skipped (or failed when the browser is required). */
  static synchronized ChromeDriverService service() {
    if (service != null && service.isRunning()) {
      return service;
    }
    String driver = System.getenv("SPACEDUCK_TEST_CHROMEDRIVER");
    boolean required = "true".equalsIgnoreCase(System.getenv("SPACEDUCK_TEST_REQUIRE_BROWSER"));
    String why = null;
    if (driver == null || driver.isBlank()) {
      why = "no browser for the Mission Control tests: set SPACEDUCK_TEST_CHROMEDRIVER to chromedriver's path (e.g. /usr/bin/chromedriver,"
          + " Debian's chromium-driver) and SPACEDUCK_TEST_CHROMIUM to the browser (default /usr/bin/chromium)";
    } else if (!Files.isExecutable(Path.of(driver))) {
      why = "SPACEDUCK_TEST_CHROMEDRIVER=" + driver + " is not an executable file";
    } else if (!Files.isExecutable(Path.of(chromium()))) {
      why = "SPACEDUCK_TEST_CHROMIUM=" + chromium() + " is not an executable file";
    }
    if (why != null) {
      if (required) {
        fail(why + " (SPACEDUCK_TEST_REQUIRE_BROWSER=true)");
      }
      Assumptions.abort("skipped, " + why);
    }
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, driver);
    service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driver)).usingAnyFreePort()
        .withSilent(true).build();
    try {
      service.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(service::stop));
    return service;
  }

  private static String chromium() {
    String c = System.getenv("SPACEDUCK_TEST_CHROMIUM");
    return c == null || c.isBlank() ? "/usr/bin/chromium" : c;
  }

  /** A new browser (its own profile: its own sessionStorage) with a desktop-sized window. */
  ChromeDriver open() {
    return open(1280, 1000);
  }

  ChromeDriver open(int width, int height) {
    return open(width, height, new String[0]);
  }

  /** As {@link #open(int, int)}, with more command-line switches for chromium. */
  ChromeDriver open(int width, int height, String... switches) {
    ChromeDriverService s = service();
    ChromeOptions o = new ChromeOptions();
    o.setBinary(chromium());
    Path profile = Path.of("target", "chrome-profiles", UUID.randomUUID().toString()).toAbsolutePath();
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions", "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
    o.addArguments(switches);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    o.setCapability("goog:loggingPrefs", logs);
    ChromeDriver d = new ChromeDriver(s, o);
    d.manage().window().setSize(new Dimension(width, height));
    open.add(d);
    return d;
  }

  static WebDriverWait waiting(WebDriver d) {
    // lists re-render on refresh and polling: an element found a moment ago may be replaced
    return (WebDriverWait) new WebDriverWait(d, WAIT).pollingEvery(Duration.ofMillis(100))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class);
  }

  static WebElement visible(WebDriver d, String css) {
    return waiting(d).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
  }

  static void textIn(WebDriver d, String css, String text) {
    waiting(d).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
  }

  /** Signs in on the sign-in page by pasting the key. */
  static void signIn(WebDriver d, java.net.URI base, String key) {
    d.get(base.resolve("/#/sign-in").toString());
    // keyboard only: the field has the focus, Enter submits
    waiting(d).until(x -> "key".equals(x.switchTo().activeElement().getAttribute("id")));
    d.switchTo().activeElement().sendKeys(key, org.openqa.selenium.Keys.ENTER);
    visible(d, "[data-field=identity-id]");
  }

  /** Saves what the browser shows as target/screenshots/{name}.png. */
  static void screenshot(WebDriver d, String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      File f = ((TakesScreenshot) d).getScreenshotAs(OutputType.FILE);
      Files.copy(f.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The console's errors so far (and drains the log), e.g. a CSP violation, an exception, a failed load. */
  static List<String> consoleErrors(WebDriver d) {
    return d.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .collect(Collectors.toList());
  }

  static void assertCleanConsole(WebDriver d) {
    assertEquals(List.of(), consoleErrors(d), "errors in the browser console");
  }

  @Override
  public void close() {
    for (ChromeDriver d : open) {
      try {
        d.quit();
      } catch (RuntimeException e) {
        // already gone
      }
    }
    open.clear();
  }
}
