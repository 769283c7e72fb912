package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck bond NAME}: a T2 operator bonds a new agent (B1). */
@Command(
    name = "bond",
    description = {
      "Bond a new agent to the calling operator (B1, needs T2).",
      "Creates the bond, the agent, its certificate and its first key, which is printed once.",
    })
final class BondCommand extends Base implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", converter = Converters.Text.class, description = "the agent's name")
  String name;

  @Option(names = "--tier", defaultValue = "T1", description = "the agent's tier, T0 (Egg) up to the operator's own (default: ${DEFAULT-VALUE})")
  Tier tier;

  @Option(names = "--key-out", converter = Converters.FilePath.class, paramLabel = "FILE", description = "write the agent's key to FILE (mode 600) instead of printing it")
  @Nullable Path keyOut;

  @Override
  public Integer call() {
    BeakKey key = callerKey();
    if (keyOut != null) {
      SecretIo.checkWritable(ctx(), keyOut);
    }
    try (SpaceDuck duck = open()) {
      BondResult r = duck.bonds().bond(key, name, tier);
      Json j = Render.bond(r.bond());
      j.put("tier", r.agent().tier().name()).put("cert_id", r.certificate().id().value()).put("key_id", r.key().info().id().value());
      secret(j, "key", r.key().key().reveal(), keyOut, "agent key");
      emit(j);
      return ExitCodes.OK;
    }
  }

}
