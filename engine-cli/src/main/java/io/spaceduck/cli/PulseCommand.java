package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code duck pulse STATUS}: a bonded agent's heartbeat (U1; not audited). */
@Command(name = "pulse", description = "Agent: send a pulse with a short status (U1). Pulses are operational data, not audited.")
final class PulseCommand extends Base implements Callable<Integer> {
  @Parameters(paramLabel = "STATUS", converter = Converters.Text.class, description = "1 to 256 printable characters")
  String status;

  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Pulse p = duck.pulses().pulse(key, status);
      done("pulse from " + p.agent().value() + " at " + Render.time(p.at()), Render.pulse(p));
      return ExitCodes.OK;
    }
  }
}
