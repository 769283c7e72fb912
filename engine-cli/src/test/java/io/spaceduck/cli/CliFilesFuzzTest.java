package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Fuzz target (docs/fuzzing.md): the CLI's file parsing — certificate token files, JWK set files
 * ({@code duck cert verify TOKEN_FILE --jwks FILE}), key files ({@code --key-file}) and session token
 * files ({@code duck session verify}) — with arbitrary file contents, run in-process against a real
 * store (an admin, an operator and a bonded agent). One input byte picks the command; the rest is the
 * file's content, where {@code $C}, {@code $K} and {@code $A} stand for the live certificate JWS,
 * the store's public key (inside the JWK set) and the admin's key, so mutations start from real
 * files.
 *
 * <p>The contract: the exit code is success or the command's documented refusal (usage 2,
 * unauthenticated 3, invalid input 8); a refusal prints one {@code duck: } line and never a stack
 * trace; success only for the live certificate or key; and no output ever holds the admin key unless
 * the file held it exactly and the command succeeded (a key file's text is never echoed).
 */
class CliFilesFuzzTest {
  private static final class Fixture {
    final Path dir;
    final DuckRunner duck;
    final String admin;
    final String jwks;
    final String key;
    final String cert;

    Fixture() throws IOException {
      dir = Files.createTempDirectory("cli-fuzz");
      duck = new DuckRunner(dir);
      admin = duck.init();
      String[] op = duck.operator(admin, "Ada");
      String[] agent = duck.bond(op[1], "scout", "T1");
      jwks = duck.run("jwks").ok().out();
      key = jwks.substring(jwks.indexOf('[') + 1, jwks.lastIndexOf(']'));
      cert = duck.as(op[1], "cert", "show", agent[3], "--jwt").ok().out().strip();
      duck.write("jwks.json", jwks);
      duck.write("cert.jwt", cert);
    }
  }

  private static Fixture fixture;

  private static synchronized Fixture fixture() throws IOException {
    if (fixture == null) {
      fixture = new Fixture();
    }
    return fixture;
  }

  @FuzzTest
  void filesRefusedCleanlyOrRead(FuzzedDataProvider in) throws IOException {
    Fixture f = fixture();
    int command = in.consumeInt(0, 3);
    String content = in.consumeRemainingAsString()
        .replace("$C", f.cert).replace("$K", f.key).replace("$A", f.admin);
    f.duck.write("fuzz.txt", content);
    DuckRunner.Result r;
    Set<Integer> allowed;
    boolean mayPass;
    switch (command) {
      case 0 -> {
        r = f.duck.run("cert", "verify", "fuzz.txt", "--jwks", "jwks.json");
        allowed = Set.of(ExitCodes.USAGE, ExitCodes.INVALID_INPUT);
        mayPass = SecretIo.firstLine(content).equals(f.cert);
      }
      case 1 -> {
        r = f.duck.run("cert", "verify", "cert.jwt", "--jwks", "fuzz.txt");
        allowed = Set.of(ExitCodes.USAGE, ExitCodes.INVALID_INPUT);
        mayPass = true; // any set holding the store's key verifies the live certificate
      }
      case 2 -> {
        r = f.duck.run(Map.of(), "", "whoami", "--key-file", "fuzz.txt");
        allowed = Set.of(ExitCodes.USAGE, ExitCodes.UNAUTHENTICATED);
        mayPass = SecretIo.firstLine(content).equals(f.admin);
      }
      default -> {
        r = f.duck.run("session", "verify", "fuzz.txt");
        allowed = Set.of(ExitCodes.USAGE, ExitCodes.UNAUTHENTICATED);
        mayPass = false; // no session is active in the fixture: no token verifies
      }
    }
    r.assertNoStackTrace();
    if (r.code() == ExitCodes.OK) {
      assertTrue(mayPass, () -> "command " + command + " succeeded on a file it must refuse:\n" + r.out());
    } else {
      assertTrue(allowed.contains(r.code()), () -> "command " + command + " exit " + r.code() + "\n" + r.err());
      assertTrue(r.err().startsWith("duck: "), r.err());
    }
    if (!(command == 2 && r.code() == ExitCodes.OK)) {
      assertFalse(r.out().contains(f.admin) || r.err().contains(f.admin), "the admin key was echoed");
    }
  }
}
