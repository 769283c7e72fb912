package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck promote ID --tier T2}: an explicit promotion with a superseding certificate (C3, I1, I2). */
@Command(
    name = "promote",
    description = {
      "Promote a duckling or agent; issues a certificate that supersedes its current one (C3).",
      "T1->T2 only by another T2 operator or an admin; never oneself; T3 is off in duck.",
    })
final class PromoteCommand extends Base implements Callable<Integer> {
  @Parameters(paramLabel = "ID", converter = Converters.Identity.class, description = "duckling (dk_…) or agent (ag_…) id")
  IdentityId target;

  @Option(names = "--tier", defaultValue = "T2", description = "the new tier (default: ${DEFAULT-VALUE})")
  Tier tier;

  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      BirthCertificate c = duck.identities().promote(key, target, tier);
      done("promoted " + target.value() + " to " + Render.tier(tier) + "; certificate " + c.id().value()
              + c.supersedes().map(s -> " supersedes " + s.value()).orElse(""),
          Render.cert(c, Optional.of(CertStatus.CURRENT)));
      return ExitCodes.OK;
    }
  }
}
