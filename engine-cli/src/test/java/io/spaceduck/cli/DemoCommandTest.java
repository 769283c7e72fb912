package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code duck demo} on MapDB: on a temporary store, and repeated on one store. */
class DemoCommandTest {
  static final Pattern SUMMARY = Pattern.compile("verified (\\d+) events, head ([0-9a-f]{64})");

  @TempDir Path dir;

  /** The narrative's last line is the verification summary; returns the event count. */
  static long assertNarrative(DuckRunner.Result r) {
    List<String> lines = r.lines();
    Matcher m = SUMMARY.matcher(lines.get(lines.size() - 1));
    assertTrue(m.matches(), "last line: " + lines.get(lines.size() - 1));
    for (String step : List.of("Hatching", "Promotion", "Bonds", "Key rotation", "Key revocation", "Peck Protocol",
        "Pulses", "Blocks", "Deletion request", "Audit chain")) {
      assertTrue(r.out().contains(step), "the narrative covers " + step);
    }
    assertTrue(r.out().contains("never pulsed"), "the stale listing names the agent that never pulsed");
    assertFalse(DuckRunner.RAW_KEY.matcher(r.err()).find(), "no key on stderr");
    r.assertNoStackTrace();
    return Long.parseLong(m.group(1));
  }

  @Test
  @Tag("A3")
  void demo_onATemporaryStore_endsWithTheVerification_andLeavesNothingBehind() throws Exception {
    DuckRunner duck = new DuckRunner(dir);
    DuckRunner.Result r = duck.run("demo").ok();
    long events = assertNarrative(r);
    assertTrue(events >= 15, "events: " + events);
    assertFalse(DuckRunner.RAW_KEY.matcher(r.out()).find(), "a temporary store's admin key is not shown");
    assertFalse(Files.exists(dir.resolve("store.db")), "$SPACEDUCK_STORE is not touched by the demo");
    try (var files = Files.list(dir)) {
      assertEquals(List.of(), files.toList(), "the demo wrote nothing to the working directory");
    }
  }

  @Test
  void demo_repeatsOnOneStore_withTheAdminKeyOfTheFirstRun() {
    DuckRunner duck = new DuckRunner(dir);
    Path store = dir.resolve("demo.db");
    DuckRunner.Result first = duck.run("demo", "--store", store.toString(), "--json").ok();
    String adminKey = first.json("admin_key");
    long n1 = Long.parseLong(first.out().replaceAll("(?s).*\"events_verified\":(\\d+).*", "$1"));

    duck.run("demo", "--store", store.toString()).fails(ExitCodes.USAGE); // initialised, and no key given
    DuckRunner.Result second = duck.run(Map.of("SPACEDUCK_KEY", adminKey), "", "demo", "--store", store.toString()).ok();
    long n2 = assertNarrative(second);
    assertTrue(n2 > n1, n1 + " then " + n2);
    assertFalse(second.out().contains(adminKey), "the key is shown only when the demo created it");
  }

  @Test
  void demo_onAStoreInitialisedByInit_needsTheAdmin_notAnyKey() {
    DuckRunner duck = new DuckRunner(dir);
    String admin = duck.init();
    String[] grace = duck.hatch("Grace");
    String store = dir.resolve("store.db").toString();
    duck.run(Map.of("SPACEDUCK_KEY", grace[1]), "", "demo", "--store", store).fails(ExitCodes.FORBIDDEN);
    assertNarrative(duck.run(Map.of("SPACEDUCK_KEY", admin), "", "demo", "--store", store).ok());
    duck.as(admin, "audit", "verify").ok();
  }

  @Test
  void demo_keep_leavesTheStoreToExplore() throws Exception {
    DuckRunner duck = new DuckRunner(dir);
    DuckRunner.Result r = duck.run("demo", "--keep").ok();
    Matcher m = Pattern.compile("--store (\\S+) --kek-file (\\S+)").matcher(r.err());
    assertTrue(m.find(), r.err());
    Path kept = Path.of(m.group(1));
    try {
      assertTrue(Files.exists(kept));
      duck.run("--store", kept.toString(), "--kek-file", m.group(2), "jwks").ok(); // explorable with the other commands
    } finally {
      try (var paths = Files.walk(kept.getParent())) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
