package io.spaceduck.cli;

/**
 * {@code duck}'s entry point, the main class of {@code duck.jar}: runs the command line in the
 * process's own environment and exits with the code listed in {@code docs/cli.md}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(Cli.execute(Context.system(), args));
  }
}
