package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code duck blocks}: the caller's block list (an admin also sees platform-wide blocks). */
@Command(name = "blocks", description = "List the caller's block list (an admin also sees platform-wide blocks): <id> <list> <at> <reason>.")
final class BlocksCommand extends Base implements Callable<Integer> {
  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      emitList(duck.blocks().list(key), Render::block,
          b -> b.blocked().value() + " " + b.operator().map(o -> "operator " + o.value()).orElse("platform") + " " + Render.time(b.at()) + " "
              + b.reason().code(),
          "no blocks");
      return ExitCodes.OK;
    }
  }
}
