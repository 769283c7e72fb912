package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./duck} script at the repository root, run as a newcomer would, against the jar
 * this build packaged (failsafe runs this after {@code package}, in {@code mvn verify}). The jar is
 * fresh then, so the script runs it without rebuilding.
 */
class DuckScriptIT {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run duck(String... args) throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("duck.root", "..")).toAbsolutePath().normalize();
    List<String> command = new java.util.ArrayList<>(List.of(root.resolve("duck").toString()));
    command.addAll(List.of(args));
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("SPACEDUCK_"));
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("./duck " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void version() throws Exception {
    Run r = duck("--version");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("duck "), r.out());
    assertTrue(!r.err().contains("building"), "the packaged jar is fresh, no rebuild: " + r.err());
  }

  @Test
  void demo() throws Exception {
    Run r = duck("demo");
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.get(lines.size() - 1).matches("verified \\d+ events, head [0-9a-f]{64}"), r.out());
  }

  @Test
  void logging_isQuietByDefault_withoutSlf4jNoise_andVerboseShowsTheEnginesInfoLines() throws Exception {
    Run quiet = duck("--store", "q.db", "--kek-file", "q-kek.json", "init", "--email", "a@example.org", "--key-out", "q.key");
    assertEquals(0, quiet.code(), quiet.err());
    assertTrue(!quiet.err().contains("SLF4J") && !quiet.out().contains("SLF4J"), "a binding is shipped: " + quiet.err());
    assertTrue(!quiet.err().contains("generated the engine's"), "info lines only with --verbose: " + quiet.err());
    Run verbose = duck("--verbose", "--store", "v.db", "--kek-file", "v-kek.json", "init", "--email", "a@example.org", "--key-out", "v.key");
    assertEquals(0, verbose.code(), verbose.err());
    assertTrue(verbose.err().contains("generated the engine's"), verbose.err());
    assertTrue(!verbose.err().contains("SLF4J") && !verbose.err().contains("@example.org"), verbose.err());
  }

  @Test
  void usageError_exitsTwo() throws Exception {
    Run r = duck("no-such-command");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("duck: "), r.err());
  }
}
