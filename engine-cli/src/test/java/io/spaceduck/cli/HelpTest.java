package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Help for a newcomer: every command (from picocli's model) answers {@code --help} and {@code -h}
 * with its usage and exit 0, required options or not; and the one-line summary each command shows in
 * its parent's command list is a whole sentence, not a line cut mid-sentence.
 */
class HelpTest {
  @TempDir Path dir;

  @Test
  void everyCommand_answersHelp_withExit0_evenWithRequiredOptions() {
    DuckRunner duck = new DuckRunner(dir);
    List<String> wrong = new ArrayList<>();
    int[] count = {0};
    CommandTree.all(CommandTree.root(dir), cl -> {
      List<String> path = CommandTree.path(cl.getCommandSpec());
      if (path.equals(List.of("help"))) {
        return;
      }
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        DuckRunner.Result r = duck.run(args.toArray(String[]::new));
        String usage = ("Usage: duck " + String.join(" ", path)).strip();
        if (r.code() != 0 || !r.out().startsWith(usage) || !r.err().isEmpty()) {
          wrong.add(String.join(" ", args) + " -> exit " + r.code() + "; " + (r.err().isEmpty() ? r.out().lines().findFirst().orElse("") : r.err().strip()));
        }
      }
      count[0]++;
    });
    assertEquals(List.of(), wrong);
    assertTrue(count[0] >= 45, "commands: " + count[0]);
  }

  @Test
  void everySummary_isAWholeSentence() {
    List<String> wrong = new ArrayList<>();
    CommandTree.all(CommandTree.root(dir), cl -> {
      CommandSpec spec = cl.getCommandSpec();
      if (spec.parent() == null || spec.name().equals("help")) {
        return;
      }
      String[] description = spec.usageMessage().description();
      String summary = description.length == 0 ? "" : description[0].strip();
      if (!summary.matches("[A-Z].*[.)]") || summary.endsWith(",") || summary.length() > 110) {
        wrong.add(String.join(" ", CommandTree.path(spec)) + ": \"" + summary + "\"");
      }
    });
    assertEquals(List.of(), wrong, "a command's first description line is its summary in the command list: one whole sentence");
  }
}
