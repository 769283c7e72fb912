package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit tail|export|verify}, including a tampered store (through {@link TamperedStorageProvider}). */
class AuditCommandTest {
  private static final Pattern VERIFIED = Pattern.compile("verified (\\d+) events, head ([0-9a-f]{64})");

  @TempDir Path dir;
  DuckRunner duck;
  String admin;
  String[] ada;

  @BeforeEach
  void setUp() {
    duck = new DuckRunner(dir);
    admin = duck.init();
    ada = duck.operator(admin, "Ada"); // events: bootstrap, hatch, promote
    for (int i = 0; i < 5; i++) {
      duck.bond(ada[1], "agent-" + i, "T1"); // 5 more
    }
  }

  @Test
  @Tag("A3")
  void verify_printsCountAndHead() {
    DuckRunner.Result r = duck.as(admin, "audit", "verify").ok();
    Matcher m = VERIFIED.matcher(r.out().strip());
    assertTrue(m.matches(), r.out());
    assertEquals("8", m.group(1));
    assertTrue(r.err().contains("--expect 8:" + m.group(2)), r.err());
    DuckRunner.Result j = duck.as(admin, "audit", "verify", "--json").ok();
    assertEquals(m.group(2), j.json("head"));
    assertTrue(j.out().contains("\"events_verified\":8"), j.out());
  }

  @Test
  @Tag("A3")
  void verify_withAnExpectedHead_detectsTruncation() {
    String head = VERIFIED.matcher(duck.as(admin, "audit", "verify").ok().out().strip()).replaceAll("8:$2");
    duck.as(admin, "audit", "verify", "--expect", head).ok();
    // a head the store does not hold (as if its newest events had been cut off)
    String future = "9:" + "0".repeat(64);
    DuckRunner.Result r = duck.as(admin, "audit", "verify", "--expect", future).fails(ExitCodes.AUDIT_BROKEN);
    assertTrue(r.err().contains("audit chain broken at seq"), r.err());
    duck.as(admin, "audit", "verify", "--expect", "nonsense").fails(ExitCodes.USAGE);
  }

  @Test
  @Tag("A3")
  void verify_aTamperedChain_exitsElevenNamingTheFirstBrokenSeq() {
    String tampered = "tampered:5:" + dir.resolve("store.db");
    DuckRunner.Result r = duck.run(Map.of("SPACEDUCK_STORE", tampered, "SPACEDUCK_KEY", admin), "", "audit", "verify")
        .fails(ExitCodes.AUDIT_BROKEN);
    assertTrue(r.err().startsWith("duck: audit chain broken at seq 5"), r.err());
    assertEquals("", r.out());
    DuckRunner.Result j = duck.run(Map.of("SPACEDUCK_STORE", tampered, "SPACEDUCK_KEY", admin), "", "audit", "verify", "--json");
    assertEquals(ExitCodes.AUDIT_BROKEN, j.code());
    assertTrue(j.out().contains("\"first_broken_seq\":5"), j.out());
    // the real store is untouched
    duck.as(admin, "audit", "verify").ok();
  }

  @Test
  @Tag("A4")
  void tail_showsTheNewestEvents_filtered() {
    List<String> last3 = duck.as(admin, "audit", "tail", "-n", "3").ok().lines();
    assertEquals(3, last3.size());
    assertTrue(last3.get(0).startsWith("6 ") && last3.get(2).startsWith("8 "), String.join("\n", last3));
    assertTrue(last3.get(2).contains(" bond.created by " + ada[0]), last3.get(2));
    List<String> promos = duck.as(admin, "audit", "tail", "--action", "tier.promoted").ok().lines();
    assertEquals(1, promos.size());
    assertTrue(promos.get(0).startsWith("3 "), promos.get(0));
    // an operator sees only events of its governance (A4); a T1 duckling may not read the log
    assertTrue(duck.as(ada[1], "audit", "tail", "-n", "100").ok().lines().size() < 8);
    String[] grace = duck.hatch("Grace");
    duck.as(grace[1], "audit", "tail").fails(ExitCodes.FORBIDDEN);
  }

  @Test
  @Tag("A3")
  void export_writesJsonLines_withProgressOnStderr() {
    DuckRunner.Result r = duck.as(admin, "audit", "export", "--progress-every", "3").ok();
    List<String> lines = r.lines();
    assertEquals(8, lines.size());
    for (int i = 0; i < lines.size(); i++) {
      assertTrue(lines.get(i).startsWith("{\"seq\":" + (i + 1) + ",\"action\":"), lines.get(i));
      assertTrue(lines.get(i).matches(".*\"prev_hash\":\"[0-9a-f]{64}\",\"hash\":\"[0-9a-f]{64}\"}"), lines.get(i));
    }
    assertTrue(r.err().contains("audit export: 3 events…") && r.err().contains("audit export: 6 events…"), r.err());
    assertTrue(r.err().contains("audit export: 8 events"), r.err());

    DuckRunner.Result toFile = duck.as(admin, "audit", "export", "--out", "audit.jsonl", "--after", "5").ok();
    assertEquals("", toFile.out());
    assertEquals(3, duck.read(dir.resolve("audit.jsonl")).lines().count());
  }

  @Test
  @Tag("A1")
  void deniedAttempts_areAudited() {
    String[] grace = duck.hatch("Grace"); // event 9
    duck.as(grace[1], "bond", "stowaway").fails(ExitCodes.FORBIDDEN); // event 10, denied
    String last = duck.as(admin, "audit", "tail", "-n", "1").ok().out();
    assertTrue(last.startsWith("10 ") && last.contains("bond.created (denied) by " + grace[0]), last);
  }
}
