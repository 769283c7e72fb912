package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** D2 at the terminal: keys, codes and tokens reach stdout only where they are issued, stderr never. */
class SecretHygieneTest {
  @TempDir Path dir;

  @Test
  @Tag("D2")
  void aWholeSession_putsNoSecretOnStderr_andNoSecretOnStdout_exceptWhereIssued() {
    DuckRunner duck = new DuckRunner(dir);
    List<DuckRunner.Result> runs = new ArrayList<>();
    String admin = duck.init();
    String[] ada = duck.operator(admin, "Ada");
    String[] bob = duck.operator(admin, "Bob");
    String[] scout = duck.bond(ada[1], "scout", "T1");
    String[] relay = duck.bond(bob[1], "relay", "T1");
    String peck = duck.as(relay[1], "peck", "request", scout[3], "--scope", "chat:read", "--json").ok().json("peck_id");
    runs.add(duck.as(scout[1], "peck", "accept", peck).ok());
    runs.add(duck.as(ada[1], "peck", "approve", peck).ok());
    runs.add(duck.as(scout[1], "session", "issue", peck, "--out", "t").ok());
    runs.add(duck.run("session", "verify", "t").ok());
    runs.add(duck.as(scout[1], "pulse", "ok").ok());
    runs.add(duck.as(ada[1], "stale").ok());
    runs.add(duck.as(ada[1], "cert", "list").ok());
    runs.add(duck.as(admin, "audit", "export").ok());
    runs.add(duck.as(admin, "audit", "tail").ok());
    runs.add(duck.as(ada[1], "key", "list", scout[0]).ok());
    runs.add(duck.as(ada[1], "bonds").ok());
    runs.add(duck.as(admin, "audit", "verify").ok());
    runs.add(duck.as(scout[1], "whoami", "--json").ok());
    String token = duck.read(dir.resolve("t")).strip();
    List<String> secrets = List.of(admin, ada[1], bob[1], scout[1], relay[1], token);
    for (DuckRunner.Result r : runs) {
      for (String s : secrets) {
        assertFalse(r.out().contains(s) || r.err().contains(s), "a secret in the output of a command that did not issue it");
      }
      assertFalse(r.out().contains("@example.org") || r.err().contains("@example.org"), "no email in output");
    }
    assertTrue(token.startsWith("eyJ"));
  }
}
