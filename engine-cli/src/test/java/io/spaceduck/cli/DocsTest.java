package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.conformance.MutableClock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Keeps README.md and docs/cli.md true to the command line. */
class DocsTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void readme_setUpTable_hasExactlyTheTwoCommands() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String section = readme.substring(readme.indexOf("## Set up on a fresh machine"), readme.indexOf("## Embedding"));
    List<String> rows = section.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| what")).toList();
    assertEquals(List.of("| run | `./duck demo` |", "| test | `mvn -B -ntp verify` |"), rows);
    assertTrue(Files.readString(ROOT.resolve(".ci/run")).contains("exec mvn -B -ntp verify"), ".ci/run runs the test command");
    assertTrue(readme.contains("(docs/cli.md)"), "the README links docs/cli.md");
  }

  @Test
  void cliDoc_documentsEveryCommand_andEveryExitCode() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/cli.md"));
    CommandLine cl = Cli.commandLine(new Context(Map.of(), ROOT, new MutableClock(DuckRunner.EPOCH), System.in,
        new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
    List<String> missing = new ArrayList<>();
    cl.getSubcommands().forEach((name, sub) -> {
      if (name.equals("help")) {
        return;
      }
      if (sub.getSubcommands().isEmpty()) {
        if (!doc.contains("`" + name + "`") && !doc.contains("`" + name + " ")) {
          missing.add(name);
        }
      } else {
        sub.getSubcommands().keySet().forEach(child -> {
          if (!doc.contains(child)) {
            missing.add(name + " " + child);
          }
        });
        if (!doc.contains("`" + name + " ")) {
          missing.add(name);
        }
      }
    });
    assertEquals(List.of(), missing, "commands missing from docs/cli.md");
    for (int code = 0; code <= 12; code++) {
      assertTrue(doc.contains("\n| " + code + " | "), "exit code " + code + " is documented");
    }
  }
}
