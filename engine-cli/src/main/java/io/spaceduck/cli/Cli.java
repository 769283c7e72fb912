package io.spaceduck.cli;

import io.spaceduck.api.RateLimited;
import io.spaceduck.api.SpaceDuckException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Runs one {@code duck} command line in a {@link Context} and returns its exit code: the seam that
 * {@link Main} and the in-process tests share. Every failure ends here as one line on stderr and an
 * exit code from {@link ExitCodes}; a stack trace is printed only for an internal error, and only
 * with {@code --debug}.
 */
final class Cli {
  /** Environment variables whose values may be secrets (a key, a challenge, a store URL with a password). */
  private static final List<String> SECRET_ENV =
      List.of(SecretIo.KEY_ENV, HatchSpi.CHALLENGE_ENV, StoreChoice.STORE_ENV, StoreChoice.KEK_ENV);

  private Cli() {}

  /** A configured command line over {@code ctx} (for tests that inspect the command tree). */
  static CommandLine commandLine(Context ctx) {
    DuckCommand root = new DuckCommand(ctx);
    CommandLine cl = new CommandLine(root);
    cl.setOut(ctx.out());
    cl.setErr(ctx.err());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(Cli::usageError);
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failure(ex, cmd, parsed, root));
    return cl;
  }

  /** Runs {@code args} and returns the exit code. */
  static int execute(Context ctx, String... args) {
    try {
      return commandLine(ctx).execute(args);
    } finally {
      ctx.out().flush();
      ctx.err().flush();
    }
  }

  /**
   * A usage error, one line plus hints. picocli's messages quote what the user typed; {@link
   * Redaction#scrub} takes out every typed value that might be a secret (D2).
   */
  private static int usageError(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    DuckCommand root = (DuckCommand) cmd.getCommandSpec().root().userObject();
    List<String> typed = typed(root.ctx, Arrays.asList(args));
    err.println("duck: " + Redaction.scrub(String.valueOf(ex.getMessage()), typed));
    if (Arrays.stream(args).anyMatch(Redaction::secretShaped)) {
      err.println("duck: never put a key on the command line (nor a token, code or email: arguments show in ps and"
          + " shell history); use SPACEDUCK_KEY or --key-file FILE");
    }
    StringWriter suggestions = new StringWriter();
    UnmatchedArgumentException.printSuggestions(ex, new PrintWriter(suggestions));
    if (!suggestions.toString().isEmpty()) {
      err.print(Redaction.scrub(suggestions.toString(), typed));
    }
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
    return ExitCodes.USAGE;
  }

  /**
   * A failed command: one line on stderr and its exit code. Every message, whoever wrote it (duck,
   * the engine, a library), passes through {@link Redaction#scrub} with the typed arguments and the
   * secret-carrying environment variables, so no secret the user supplied is echoed (D2).
   */
  private static int failure(Exception ex, CommandLine cmd, ParseResult parsed, DuckCommand root) {
    PrintWriter err = cmd.getErr();
    boolean debug = root.debug || root.ctx.getenv("SPACEDUCK_DEBUG") != null;
    List<String> typed = typed(root.ctx, parsed.originalArgs());
    int code;
    String line;
    if (ex instanceof CliException c) {
      line = c.getMessage();
      code = c.exitCode();
    } else if (ex instanceof RateLimited r) {
      long seconds = Math.max(1, (r.retryAfter().toMillis() + 999) / 1000);
      line = "rate_limited: too many calls; retry after " + seconds + "s";
      code = ExitCodes.RATE_LIMITED;
    } else if (ex instanceof SpaceDuckException s) {
      line = s.code().code() + ": " + s.getMessage();
      code = ExitCodes.of(s);
    } else if (ex instanceof IllegalArgumentException) {
      // the API's precondition failures: a caller mistake, with a plain message
      line = String.valueOf(ex.getMessage());
      code = ExitCodes.USAGE;
    } else {
      line = "internal error (" + ex.getClass().getName() + (ex.getMessage() != null ? ": " + ex.getMessage() : "")
          + ")" + (debug ? "" : "; run again with --debug for the stack trace");
      code = ExitCodes.INTERNAL;
    }
    err.println("duck: " + Redaction.scrub(line, typed));
    if (debug) {
      // the stack trace repeats messages (and causes' messages): scrubbed like the line above
      StringWriter trace = new StringWriter();
      ex.printStackTrace(new PrintWriter(trace));
      err.print(Redaction.scrub(trace.toString(), typed));
    }
    return code;
  }

  /** What the user supplied that might be a secret: the arguments and the secret-carrying variables. */
  private static List<String> typed(Context ctx, List<String> args) {
    List<String> typed = new ArrayList<>(args);
    for (String name : SECRET_ENV) {
      String v = ctx.getenv(name);
      if (v != null) {
        typed.add(v);
        typed.add(v.strip());
      }
    }
    return typed;
  }
}
