package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.SpaceDuck;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code duck stale}: the caller's agents without a recent pulse (U2). */
@Command(
    name = "stale",
    description = {
      "Operator: list active agents with no pulse for longer than the threshold (U2).",
      "One line each: <agent_id> <bond_id> <last pulse>.",
    })
final class StaleCommand extends Base implements Callable<Integer> {
  @Option(names = "--threshold", converter = Converters.Span.class, description = "e.g. 90s, 5m, 1h (default: the engine's, 5m)")
  @Nullable Duration threshold;

  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      var stale = threshold == null ? duck.pulses().stale(key) : duck.pulses().stale(key, threshold);
      emitList(stale, Render::stale,
          s -> s.agent().value() + " " + s.bond().value() + " "
              + s.lastPulse().map(p -> "last pulse " + Render.time(p.at()) + " " + p.status()).orElse("never pulsed"),
          "no stale agents");
      return ExitCodes.OK;
    }
  }
}
