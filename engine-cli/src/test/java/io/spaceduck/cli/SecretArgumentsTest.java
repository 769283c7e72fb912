package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * D2 whatever the user types: every command of the tree (from picocli's model, so a new command or
 * option is covered without editing this test) runs with a secret-shaped value — a real Beak Key, a
 * session-token-shaped JWS, a verification code, an email — in each of its options (as {@code --opt
 * VALUE} and {@code --opt=VALUE}), in each positional parameter, and as a stray argument. Nothing a
 * run prints, on stdout or stderr, may contain the value (for a key: neither the whole key nor its
 * secret part).
 */
class SecretArgumentsTest {
  @TempDir static Path dir;
  static DuckRunner duck;
  static String adminKey;
  static String typedKey;

  private static final String TOKEN =
      "eyJhbGciOiJFUzI1NiIsImtpZCI6InNkIn0.eyJzdWIiOiJhZ19hYmMiLCJwZWNrIjoicGsifQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";
  private static final String CODE = "482913";
  private static final String EMAIL = "kim.private@example.org";
  /** Commands on which every root option gets every secret. */
  private static final java.util.Set<String> FULL_ROOT_OPTIONS = java.util.Set.of("init", "whoami", "jwks", "key rotate", "cert verify");

  @BeforeAll
  static void store() {
    duck = new DuckRunner(dir);
    adminKey = duck.init();
    typedKey = duck.hatch("Kim")[1]; // a real key of another identity, typed where it does not belong
  }

  @Test
  @Tag("D2")
  void everyOptionAndArgumentOfEveryCommand_neverEchoesASecretShapedValue() {
    CommandLine root = CommandTree.root(dir);
    List<String> leaks = new ArrayList<>();
    int[] runs = {0};
    List<String> secrets = List.of(typedKey, TOKEN, CODE, EMAIL);
    CommandTree.leaves(root, leaf -> {
      CommandSpec spec = leaf.getCommandSpec();
      List<String> path = CommandTree.path(spec);
      if (path.get(0).equals("demo") || path.get(0).equals("help")) {
        return; // demo is covered below with fewer runs (each real demo run takes seconds); help takes only names
      }
      boolean everyInherited = FULL_ROOT_OPTIONS.contains(String.join(" ", path));
      for (String secret : secrets) {
        // each option, in both spellings. The root's options (--store, --key-file, …) are the same
        // code in every command: all secrets on a few commands, one secret (in turn) on the others,
        // because each in-process run costs tens of milliseconds.
        for (OptionSpec o : spec.options()) {
          if (o.usageHelp() || o.versionHelp() || o.hidden()) {
            continue;
          }
          if (o.inherited() && !everyInherited && !secret.equals(secrets.get(Math.floorMod(path.hashCode() + o.longestName().hashCode(), secrets.size())))) {
            continue;
          }
          String name = o.longestName();
          check(leaks, runs, secret, with(path, spec, name, List.of(name + "=" + secret)));
          if (o.arity().max() > 0) {
            check(leaks, runs, secret, with(path, spec, name, List.of(name, secret)));
          }
        }
        // each positional parameter, the ones before it filled in
        List<PositionalParamSpec> params = spec.positionalParameters();
        for (int i = 0; i < params.size(); i++) {
          List<String> args = new ArrayList<>(CommandTree.requiredOptions(spec, null));
          for (int j = 0; j < i; j++) {
            args.add(CommandTree.valid(params.get(j).paramLabel()));
          }
          args.add(secret);
          check(leaks, runs, secret, concat(path, args));
        }
        // a stray argument after everything that is needed
        List<String> args = new ArrayList<>(CommandTree.requiredOptions(spec, null));
        params.forEach(p -> args.add(CommandTree.valid(p.paramLabel())));
        args.add(secret);
        check(leaks, runs, secret, concat(path, args));
      }
    });
    for (String secret : secrets) {
      check(leaks, runs, secret, List.of("demo", "--store", secret));
      check(leaks, runs, secret, List.of("demo", "--key-file", secret));
      check(leaks, runs, secret, List.of("demo", secret));
      check(leaks, runs, secret, List.of("--store=" + secret, "jwks"));
      check(leaks, runs, secret, List.of("--debug", "--kek-file", secret, "whoami"));
      check(leaks, runs, secret, List.of(secret));
      check(leaks, runs, secret, List.of("--" + secret));
    }
    assertEquals(List.of(), leaks, "runs that printed a secret they were given");
    assertTrue(runs[0] > 800, "runs: " + runs[0]);
  }

  @Test
  @Tag("D2")
  void aKeyWhereTheKeyFileBelongs_isRefused_withoutEchoingIt() {
    DuckRunner.Result r = duck.run("whoami", "--key-file=" + typedKey).fails(ExitCodes.USAGE);
    assertNoSecret(r, typedKey);
    assertTrue(r.err().contains("--key-file") && r.err().contains("never put"), r.err());
  }

  @Test
  @Tag("D2")
  void aStoreUrlPassword_isNeverEchoed_evenWithDebug() {
    DuckRunner.Result r = duck.run(Map.of("SPACEDUCK_KEY", adminKey), "", "--debug",
        "--store", "jdbc:nosuchdb://host/x?user=u&password=Hunter2Secret", "whoami");
    assertFalse(r.out().contains("Hunter2Secret") || r.err().contains("Hunter2Secret"), r.err());
  }

  @Test
  void redaction_keepsPlainValues_andHidesSecretShapedOnes() {
    assertTrue(Redaction.echoable("nope.key"));
    assertTrue(Redaction.echoable("demoo"));
    assertFalse(Redaction.echoable(typedKey));
    assertFalse(Redaction.echoable(TOKEN));
    assertFalse(Redaction.echoable(CODE));
    assertFalse(Redaction.echoable(EMAIL));
    String scrubbed = Redaction.scrub("cannot read the key file " + typedKey + ": no such file", List.of("--key-file=" + typedKey));
    assertNoSecretIn(scrubbed, typedKey);
    assertEquals("Unmatched argument at index 1: '…'", Redaction.scrub("Unmatched argument at index 1: 'a b'", List.of("a b")));
  }

  private static List<String> with(List<String> path, CommandSpec spec, String except, List<String> extra) {
    List<String> args = new ArrayList<>(CommandTree.requiredOptions(spec, except));
    spec.positionalParameters().forEach(p -> {
      if (p.arity().min() > 0) {
        args.add(CommandTree.valid(p.paramLabel()));
      }
    });
    args.addAll(extra);
    return concat(path, args);
  }

  private static void check(List<String> leaks, int[] runs, String secret, List<String> args) {
    runs[0]++;
    DuckRunner.Result r = duck.run(Map.of("SPACEDUCK_KEY", adminKey), "", args.toArray(String[]::new));
    for (String needle : needles(secret)) {
      if (r.out().contains(needle) || r.err().contains(needle)) {
        leaks.add(String.join(" ", args).replace(secret, "<" + kind(secret) + ">") + "  (exit " + r.code() + ")");
        return;
      }
    }
  }

  private static String kind(String secret) {
    return secret.equals(TOKEN) ? "token" : secret.equals(CODE) ? "code" : secret.equals(EMAIL) ? "email" : "key";
  }

  private static List<String> needles(String secret) {
    if (secret.startsWith("bk_")) {
      return List.of(secret, secret.substring(secret.indexOf('_', 3) + 1));
    }
    return List.of(secret);
  }

  private static void assertNoSecret(DuckRunner.Result r, String secret) {
    assertNoSecretIn(r.out() + r.err(), secret);
  }

  private static void assertNoSecretIn(String text, String secret) {
    for (String needle : needles(secret)) {
      assertFalse(text.contains(needle), () -> "a secret in: " + text);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

}
