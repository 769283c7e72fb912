package io.spaceduck.cli;

import java.util.concurrent.Callable;

/** A command that only groups subcommands ({@code duck key}, …): alone, it prints its usage and exits 2. */
abstract class Group extends Base implements Callable<Integer> {
  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return ExitCodes.USAGE;
  }
}
