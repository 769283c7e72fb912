package io.spaceduck.cli;

import io.spaceduck.conformance.MutableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * duck's command tree from picocli's model, for tests that must cover every command (so a new
 * command or option is covered without editing them), and values that satisfy each required
 * option and parameter.
 */
final class CommandTree {
  private CommandTree() {}

  static CommandLine root(Path dir) {
    return Cli.commandLine(new Context(Map.of(), dir, new MutableClock(DuckRunner.EPOCH), System.in,
        new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
  }

  /** Every command that runs something (no subcommands), depth first. */
  static void leaves(CommandLine cl, Consumer<CommandLine> f) {
    if (cl.getSubcommands().isEmpty()) {
      f.accept(cl);
    } else {
      cl.getSubcommands().values().forEach(sub -> leaves(sub, f));
    }
  }

  /** Every command, the root and groups included. */
  static void all(CommandLine cl, Consumer<CommandLine> f) {
    f.accept(cl);
    cl.getSubcommands().values().forEach(sub -> all(sub, f));
  }

  /** The words that name {@code spec} after {@code duck}, e.g. {@code [key, rotate]}. */
  static List<String> path(CommandSpec spec) {
    List<String> path = new ArrayList<>();
    for (CommandSpec s = spec; s.parent() != null; s = s.parent()) {
      path.add(0, s.name());
    }
    return path;
  }

  /** The required options of {@code spec} with valid values, but {@code except}. */
  static List<String> requiredOptions(CommandSpec spec, String except) {
    List<String> args = new ArrayList<>();
    for (OptionSpec o : spec.options()) {
      if (o.required() && !o.longestName().equals(except)) {
        args.add(o.longestName());
        args.add(valid(o.longestName()));
      }
    }
    return args;
  }

  /** The command's path, its required options and its required parameters: a command line that parses. */
  static List<String> minimal(CommandSpec spec) {
    List<String> args = new ArrayList<>(path(spec));
    args.addAll(requiredOptions(spec, null));
    spec.positionalParameters().forEach(p -> {
      if (p.arity().min() > 0) {
        args.add(valid(p.paramLabel()));
      }
    });
    return args;
  }

  /** A value that satisfies a required option or parameter, by its name or label. */
  static String valid(String label) {
    return switch (label) {
      case "--email" -> "someone@example.net";
      case "--name", "NAME" -> "Kim";
      case "--scope", "SCOPE" -> "chat:read";
      case "ID", "SUBJECT_ID", "OWNER_ID", "DUCKLING_ID" -> "dk_aaaaaaaaaaaaaaaaaaaaaaaaaa";
      case "AGENT_ID" -> "ag_aaaaaaaaaaaaaaaaaaaaaaaaaa";
      case "CERT_ID" -> "ct_aaaaaaaaaaaaaaaaaaaaaaaaaa";
      case "PECK_ID" -> "pk_aaaaaaaaaaaaaaaaaaaaaaaaaa";
      case "BOND_ID" -> "bd_aaaaaaaaaaaaaaaaaaaaaaaaaa";
      case "HATCH_ID" -> "ht_aaaaaaaaaaaaaaaaaaaaaaaaaa";
      case "KEY_ID" -> "aaaaaaaaaaaaaaaa";
      case "STATUS" -> "ok";
      case "TOKEN_FILE" -> "token.txt";
      case "SEQ" -> "1";
      case "OLD" -> "1";
      case "NEW" -> "2";
      case "CHECKPOINT" -> "checkpoint.txt";
      case "--state" -> "witness-state";
      // Go's sumdb/note example verifier key (golang.org/x/mod/sumdb/note)
      case "--vkey" -> "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
      default -> throw new AssertionError("CommandTree needs a valid value for the required " + label);
    };
  }
}
