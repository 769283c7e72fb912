package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.conformance.MutableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Usage and configuration errors: each has its exit code and a one-line message, never a stack trace. */
class ExitCodesTest {
  @TempDir Path dir;

  @Test
  void noCommand_printsUsage_exit2() {
    DuckRunner.Result r = new DuckRunner(dir).run();
    assertEquals(ExitCodes.USAGE, r.code());
    assertTrue(r.err().contains("Usage: duck"), r.err());
  }

  @Test
  void unknownCommand_suggestsTheNearestOne() {
    DuckRunner.Result r = new DuckRunner(dir).run("demoo").fails(ExitCodes.USAGE);
    assertTrue(r.err().contains("demo"), r.err());
  }

  @Test
  void versionAndHelp_exit0() {
    DuckRunner duck = new DuckRunner(dir);
    assertTrue(duck.run("--version").ok().out().startsWith("duck "));
    assertTrue(duck.run("--help").ok().out().contains("Exit codes"));
    assertTrue(duck.run("help", "peck").ok().out().contains("approve"));
  }

  @Test
  void everyCommand_hasHelp() {
    CommandLine cl = Cli.commandLine(new Context(Map.of(), dir, new MutableClock(DuckRunner.EPOCH), System.in,
        new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
    int[] count = {0};
    visit(cl, sub -> {
      StringWriter help = new StringWriter();
      sub.usage(new PrintWriter(help));
      assertTrue(help.toString().contains("Usage: "), sub.getCommandName() + ":\n" + help);
      count[0]++;
    });
    assertTrue(count[0] >= 40, "commands: " + count[0]);
  }

  private static void visit(CommandLine cl, java.util.function.Consumer<CommandLine> f) {
    f.accept(cl);
    cl.getSubcommands().values().forEach(sub -> visit(sub, f));
  }

  @Test
  void missingCallerKey_isAUsageError_namingBothWays() {
    DuckRunner.Result r = new DuckRunner(dir).run("whoami").fails(ExitCodes.USAGE);
    assertTrue(r.err().contains("SPACEDUCK_KEY") && r.err().contains("--key-file"), r.err());
  }

  @Test
  void aKeyOnTheCommandLine_isNeverEchoed() {
    String key = "bk_" + "a".repeat(16) + "_" + "b".repeat(52);
    DuckRunner.Result r = new DuckRunner(dir).run("whoami", key).fails(ExitCodes.USAGE);
    assertFalse(r.err().contains("b".repeat(52)), r.err());
    assertTrue(r.err().contains("never put a key on the command line"), r.err());
  }

  @Test
  void missingKeyFile_isAUsageError() {
    DuckRunner.Result r = new DuckRunner(dir).run("whoami", "--key-file", "nope.key").fails(ExitCodes.USAGE);
    assertEquals("duck: cannot read the key file nope.key: no such file", r.err().strip());
  }

  @Test
  void jdbcStoreWithoutItsProvider_isAConfigurationError() {
    DuckRunner.Result r = new DuckRunner(dir).run("--store", "jdbc:postgresql://127.0.0.1:1/x?user=u&password=secret", "jwks");
    if (TestStores.jdbcAvailable()) {
      return; // storage-jdbc is on the class path: covered by DemoOnJdbcTest
    }
    r.fails(ExitCodes.CONFIG);
    assertTrue(r.err().contains("storage-jdbc"), r.err());
    assertFalse(r.err().contains("secret"), r.err());
  }

  @Test
  void storeWithoutItsKek_isAConfigurationError_andCreatesNoNewKek() {
    DuckRunner duck = new DuckRunner(dir);
    duck.init();
    DuckRunner.Result r = duck.run(Map.of("SPACEDUCK_KEK_FILE", dir.resolve("other-kek.json").toString()), "", "jwks")
        .fails(ExitCodes.CONFIG);
    assertTrue(r.err().contains("a new KEK cannot open it"), r.err());
    assertFalse(Files.exists(dir.resolve("other-kek.json")));
  }

  @Test
  void wrongKek_isUnavailable() throws Exception {
    DuckRunner duck = new DuckRunner(dir);
    duck.init();
    DuckRunner other = new DuckRunner(Files.createDirectory(dir.resolve("other")));
    other.init(); // creates other/kek.json, a valid KEK — but not this store's
    DuckRunner.Result r = duck.run(Map.of("SPACEDUCK_KEK_FILE", dir.resolve("other/kek.json").toString()), "", "jwks")
        .fails(ExitCodes.UNAVAILABLE);
    assertTrue(r.err().startsWith("duck: unavailable: "), r.err());
  }

  @Test
  void garbageKekFile_isAConfigurationError() {
    DuckRunner duck = new DuckRunner(dir);
    duck.write("kek.json", "not a keyset");
    duck.run("init", "--email", "a@example.org").fails(ExitCodes.CONFIG); // jwks would stop earlier: no store (exit 10)
  }

  @Test
  void defaultKek_besideTheStore_withAWarning() {
    DuckRunner duck = new DuckRunner(dir);
    duck.env.remove("SPACEDUCK_KEK_FILE");
    DuckRunner.Result r = duck.run("init", "--email", "a@example.org").ok();
    assertTrue(r.err().contains("warning: using the development KEK " + dir.resolve("store.db.dev-kek.json")), r.err());
    assertTrue(Files.exists(dir.resolve("store.db.dev-kek.json")));
  }

  @Test
  void storeInAMissingDirectory_isUnavailable() {
    new DuckRunner(dir).run("--store", "no/such/dir/x.db", "--kek-file", "k.json", "jwks").fails(ExitCodes.UNAVAILABLE);
  }

  @Test
  void everyRefusalKind_hasItsOwnDocumentedCode() {
    java.util.Set<Integer> codes = new java.util.HashSet<>();
    for (io.spaceduck.api.ErrorCode c : io.spaceduck.api.ErrorCode.values()) {
      int code = ExitCodes.of(refusal(c));
      assertTrue(code >= 3 && code <= 10, c + " -> " + code);
      assertTrue(codes.add(code), "two refusal kinds share exit code " + code);
    }
    assertEquals(ExitCodes.RATE_LIMITED, ExitCodes.of(new io.spaceduck.api.RateLimited(java.time.Duration.ofSeconds(3))));
  }

  private static io.spaceduck.api.SpaceDuckException refusal(io.spaceduck.api.ErrorCode c) {
    return switch (c) {
      case UNAUTHENTICATED -> new io.spaceduck.api.Unauthenticated();
      case FORBIDDEN -> new io.spaceduck.api.Forbidden("x");
      case NOT_FOUND -> new io.spaceduck.api.NotFound("x");
      case CONFLICT -> new io.spaceduck.api.Conflict("x");
      case RATE_LIMITED -> new io.spaceduck.api.RateLimited(java.time.Duration.ofSeconds(1));
      case REJECTED -> new io.spaceduck.api.Rejected("x");
      case INVALID_INPUT -> new io.spaceduck.api.InvalidInput("f", "r");
      case UNAVAILABLE -> new io.spaceduck.api.Unavailable("x");
    };
  }
}
