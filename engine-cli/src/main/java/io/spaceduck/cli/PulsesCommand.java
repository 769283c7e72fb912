package io.spaceduck.cli;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck pulses AGENT_ID}: an agent's recent pulses (the agent itself, its operator or an admin). */
@Command(name = "pulses", description = "List an agent's pulses within the TTL, newest first: <at> <status>.")
final class PulsesCommand extends Base implements Callable<Integer> {
  @Parameters(paramLabel = "AGENT_ID", converter = Converters.Agent.class)
  AgentId agent;

  @Option(names = "--limit", defaultValue = "20", description = "at most this many (default: ${DEFAULT-VALUE})")
  int limit;

  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      emitList(duck.pulses().history(key, agent, limit), Render::pulse, p -> Render.time(p.at()) + " " + p.status(), "no pulses");
      return ExitCodes.OK;
    }
  }
}
