package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HatchCommandTest {
  private static final Pattern CODE_ON_STDERR = Pattern.compile("verification code for (ht_[a-z2-7]+): (\\d{6})");

  @TempDir Path dir;

  /** A store made by {@code duck init}: only init and demo create a store, hatch start needs one. */
  private DuckRunner initialised() {
    DuckRunner duck = new DuckRunner(dir);
    duck.init();
    return duck;
  }

  @Test
  @Tag("H2")
  void start_deliversTheCodeOnStderr_neverOnStdout_andCompleteReadsItFromStdin() {
    DuckRunner duck = initialised();
    DuckRunner.Result start = duck.run("hatch", "start", "--name", "Grace", "--email", "grace@example.org").ok();
    Matcher m = CODE_ON_STDERR.matcher(start.err());
    assertTrue(m.find(), start.err());
    String hatchId = m.group(1);
    String code = m.group(2);
    assertEquals(hatchId, start.field("hatch id"));
    assertFalse(start.out().contains(code), "the code is not on stdout");

    DuckRunner.Result done = duck.run(Map.of(), code + "\n", "hatch", "complete", hatchId).ok();
    assertEquals("T1", done.field("tier"));
    assertEquals("Grace", done.field("display name"));
    assertTrue(done.field("key").startsWith("bk_"));
    duck.as(done.field("key"), "whoami").ok();
  }

  @Test
  @Tag("H3")
  void complete_withAWrongCode_isTheGenericRejection() {
    DuckRunner duck = initialised();
    Path codeFile = dir.resolve("code.txt");
    String hatchId = duck.run("hatch", "start", "--name", "Grace", "--email", "g@example.org", "--code-file", codeFile.toString(), "--json")
        .ok().json("hatch_id");
    String code = duck.read(codeFile).strip();
    String wrong = code.equals("000000") ? "111111" : "000000";
    DuckRunner.Result r = duck.run(Map.of(), wrong, "hatch", "complete", hatchId).fails(ExitCodes.REJECTED);
    assertEquals("duck: rejected: hatch rejected", r.err().strip());
    duck.run("hatch", "complete", hatchId, "--code-file", codeFile.toString()).ok();
  }

  @Test
  @Tag("H2")
  void complete_afterTheCodeExpired_isRejected() {
    DuckRunner duck = initialised();
    Path codeFile = dir.resolve("code.txt");
    String hatchId = duck.run("hatch", "start", "--name", "Grace", "--email", "g@example.org", "--code-file", codeFile.toString(), "--json")
        .ok().json("hatch_id");
    duck.clock.advance(Duration.ofMinutes(16));
    duck.run("hatch", "complete", hatchId, "--code-file", codeFile.toString()).fails(ExitCodes.REJECTED);
  }

  @Test
  @Tag("H1")
  void start_withTheWrongChallenge_isTheSameGenericRejection() {
    DuckRunner duck = initialised();
    Map<String, String> env = Map.of("SPACEDUCK_CHALLENGE", "turnstile-ok");
    DuckRunner.Result bot = duck.run(env, "", "hatch", "start", "--name", "Bot", "--email", "bot@example.org", "--challenge", "nope")
        .fails(ExitCodes.REJECTED);
    assertEquals("duck: rejected: hatch rejected", bot.err().strip());
    duck.run(env, "", "hatch", "start", "--name", "Human", "--email", "h@example.org", "--challenge", "turnstile-ok").ok();
  }

  @Test
  @Tag("H4")
  void hatchingAnEmailTwice_isRejected() {
    DuckRunner duck = initialised();
    Path c1 = dir.resolve("c1");
    Path c2 = dir.resolve("c2");
    String h1 = duck.run("hatch", "start", "--name", "A", "--email", "same@example.org", "--code-file", c1.toString(), "--json").ok().json("hatch_id");
    duck.run("hatch", "complete", h1, "--code-file", c1.toString()).ok();
    String h2 = duck.run("hatch", "start", "--name", "B", "--email", "same@example.org", "--code-file", c2.toString(), "--json").ok().json("hatch_id");
    duck.run("hatch", "complete", h2, "--code-file", c2.toString()).fails(ExitCodes.REJECTED);
  }

  @Test
  void complete_malformedHatchId_isAUsageError() {
    DuckRunner.Result r = new DuckRunner(dir).run(Map.of(), "123456", "hatch", "complete", "nope").fails(ExitCodes.USAGE);
    assertTrue(r.err().contains("hatch id"), r.err());
  }

  @Test
  void complete_keyOut_writesTheKeyToAFile() {
    DuckRunner duck = initialised();
    Path codeFile = dir.resolve("code.txt");
    String hatchId = duck.run("hatch", "start", "--name", "G", "--email", "g@example.org", "--code-file", codeFile.toString(), "--json")
        .ok().json("hatch_id");
    DuckRunner.Result r = duck.run("hatch", "complete", hatchId, "--code-file", codeFile.toString(), "--key-out", "g.key").ok();
    assertFalse(DuckRunner.RAW_KEY.matcher(r.out() + r.err()).find());
    duck.run("whoami", "--key-file", "g.key").ok();
  }

  @Test
  void hatch_alone_printsItsUsage() {
    DuckRunner.Result r = new DuckRunner(dir).run("hatch");
    assertEquals(ExitCodes.USAGE, r.code());
    assertTrue(r.err().contains("start") && r.err().contains("complete"), r.err());
  }
}
