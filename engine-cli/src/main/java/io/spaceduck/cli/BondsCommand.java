package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Bond;
import io.spaceduck.api.SpaceDuck;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code duck bonds}: the caller's bonds as operator. */
@Command(name = "bonds", description = "List the calling operator's bonds: <bond_id> <agent_id> <status> <agent name>.")
final class BondsCommand extends Base implements Callable<Integer> {
  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      List<Bond> bonds = duck.bonds().list(key);
      emitList(bonds, Render::bond,
          b -> b.id().value() + " " + b.agent().value() + " " + Render.lower(b.status()) + " " + b.agentName(), "no bonds");
      return ExitCodes.OK;
    }
  }
}
