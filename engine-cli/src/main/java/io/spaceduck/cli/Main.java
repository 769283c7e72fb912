package io.spaceduck.cli;

/**
 * {@code duck}'s entry point, the main class of {@code duck.jar}: runs the command line in the
 * process's own environment and exits with the code listed in {@code docs/cli.md}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (verbose(args)) {
      // slf4j-simple reads its levels once, when the first logger is made: set them before anything
      // logs. Quiet by default (simplelogger.properties: warnings only); --verbose adds the engine's
      // informational lines (keysets generated, stores opened). No level ever logs a secret (D2).
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
      System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    }
    System.exit(Cli.execute(Context.system(), args));
  }

  /** Whether {@code --verbose} is among the options (not after {@code --}, where arguments begin). */
  static boolean verbose(String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals("--verbose")) {
        return true;
      }
    }
    return false;
  }
}
