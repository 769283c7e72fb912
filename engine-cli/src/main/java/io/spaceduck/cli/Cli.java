package io.spaceduck.cli;

import io.spaceduck.api.RateLimited;
import io.spaceduck.api.SpaceDuckException;
import java.io.PrintWriter;
import java.util.regex.Pattern;
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
  /** Anything shaped like a raw Beak Key, to keep it out of echoed usage errors. */
  private static final Pattern RAW_KEY = Pattern.compile("bk_([a-z2-7]{16})_[A-Za-z0-9_-]+");

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

  private static int usageError(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    String message = String.valueOf(ex.getMessage());
    boolean hadKey = RAW_KEY.matcher(message).find();
    err.println("duck: " + RAW_KEY.matcher(message).replaceAll("bk_$1_***"));
    if (hadKey) {
      err.println("duck: never put a key on the command line (it shows in ps and shell history); use SPACEDUCK_KEY or --key-file");
    }
    UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
    return ExitCodes.USAGE;
  }

  private static int failure(Exception ex, CommandLine cmd, ParseResult parsed, DuckCommand root) {
    PrintWriter err = cmd.getErr();
    boolean debug = root.debug || root.ctx.getenv("SPACEDUCK_DEBUG") != null;
    int code;
    if (ex instanceof CliException c) {
      err.println("duck: " + c.getMessage());
      code = c.exitCode();
    } else if (ex instanceof RateLimited r) {
      long seconds = Math.max(1, (r.retryAfter().toMillis() + 999) / 1000);
      err.println("duck: rate_limited: too many calls; retry after " + seconds + "s");
      code = ExitCodes.RATE_LIMITED;
    } else if (ex instanceof SpaceDuckException s) {
      err.println("duck: " + s.code().code() + ": " + s.getMessage());
      code = ExitCodes.of(s);
    } else if (ex instanceof IllegalArgumentException) {
      // the API's precondition failures: a caller mistake, with a plain message
      err.println("duck: " + ex.getMessage());
      code = ExitCodes.USAGE;
    } else {
      err.println(
          "duck: internal error (" + ex.getClass().getName() + (ex.getMessage() != null ? ": " + ex.getMessage() : "")
              + ")" + (debug ? "" : "; run again with --debug for the stack trace"));
      code = ExitCodes.INTERNAL;
    }
    if (debug) {
      ex.printStackTrace(err);
    }
    return code;
  }
}
