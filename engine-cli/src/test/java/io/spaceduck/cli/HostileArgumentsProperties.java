package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever a user types, duck answers with a documented exit code and a short message — never a
 * stack trace, never a crash (an internal error, exit 1). Arguments mix real command and option
 * names with arbitrary values, so most runs get past the parser into a command.
 */
class HostileArgumentsProperties {
  private static final Set<Integer> DOCUMENTED = Set.of(0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
  private static Path dir;
  private static String adminKey;

  @BeforeContainer
  static void store() throws IOException {
    dir = Files.createTempDirectory("duck-hostile-");
    adminKey = new DuckRunner(dir).init();
  }

  @AfterContainer
  static void cleanUp() throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException e) {
      // best effort
    }
  }

  @Provide
  Arbitrary<List<String>> commandLines() {
    Arbitrary<String> words = Arbitraries.oneOf(
        Arbitraries.of("init", "demo", "whoami", "hatch", "start", "complete", "bond", "bonds", "unbond", "promote", "key",
            "rotate", "revoke", "replace", "list", "peck", "request", "inbox", "pending", "show", "accept", "decline",
            "approve", "reject", "close", "session", "issue", "verify", "pulse", "pulses", "stale", "block", "unblock",
            "blocks", "delete-identity", "cert", "jwks", "audit", "tail", "export"),
        Arbitraries.of("--json", "--tier", "--reason", "--scope", "--duration", "--threshold", "--expect", "--after",
            "--limit", "-n", "--key-file", "--code-file", "--platform", "--yes", "--jwt", "--html", "--jwks", "--name",
            "--email", "--on-behalf-of", "-"),
        Arbitraries.of("dk_aaaaaaaaaaaaaaaaaaaaaaaaaa", "ag_aaaaaaaaaaaaaaaaaaaaaaaaaa", "ct_aaaaaaaaaaaaaaaaaaaaaaaaaa",
            "pk_aaaaaaaaaaaaaaaaaaaaaaaaaa", "bd_aaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", "T2", "T3", "5m", "1:00",
            "chat:read", "none"),
        Arbitraries.strings().ofMaxLength(12));
    return words.list().ofMaxSize(6).map(list -> {
      List<String> args = new ArrayList<>(list);
      args.removeIf(a -> a.equals("demo")); // a full demo per try would make this slow; DemoCommandTest covers it
      return args;
    });
  }

  @Property(tries = 150)
  void anyCommandLine_endsWithADocumentedCode_andNoStackTrace(@ForAll("commandLines") List<String> args) {
    DuckRunner duck = new DuckRunner(dir);
    duck.env.put("SPACEDUCK_KEY", adminKey);
    DuckRunner.Result r = duck.run(java.util.Map.of(), "", args.toArray(String[]::new));
    assertTrue(DOCUMENTED.contains(r.code()), () -> "exit " + r.code() + " for " + args + "\n" + r.err());
    r.assertNoStackTrace();
    assertFalse(r.err().contains(adminKey), "the caller's key is never echoed");
  }
}
