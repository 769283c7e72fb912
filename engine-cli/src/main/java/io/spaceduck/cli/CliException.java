package io.spaceduck.cli;

/**
 * A refusal by duck itself (not by the engine), with its exit code and a one-line message that is
 * printed as is. Never carries a secret.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  private CliException(int exitCode, String message, Throwable cause) {
    super(message, cause, false, false);
    this.exitCode = exitCode;
  }

  /** Exit 2: the command line or an input file named on it is wrong. */
  static CliException usage(String message) {
    return new CliException(ExitCodes.USAGE, message, null);
  }

  /** Exit 2, keeping the cause for {@code --debug}. */
  static CliException usage(String message, Throwable cause) {
    return new CliException(ExitCodes.USAGE, message, cause);
  }

  /** Exit 12: the store or KEK configuration cannot work. */
  static CliException config(String message) {
    return new CliException(ExitCodes.CONFIG, message, null);
  }

  /** Exit 12, keeping the cause for {@code --debug}. */
  static CliException config(String message, Throwable cause) {
    return new CliException(ExitCodes.CONFIG, message, cause);
  }

  /** Any exit code, for outcomes such as a broken audit chain. */
  static CliException exit(int exitCode, String message) {
    return new CliException(exitCode, message, null);
  }

  int exitCode() {
    return exitCode;
  }
}
