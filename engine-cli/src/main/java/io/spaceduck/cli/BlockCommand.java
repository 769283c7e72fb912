package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Block;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck block ID}: the operator's block list, or (admin, {@code --platform}) a platform-wide block. */
@Command(
    name = "block",
    description = {
      "Operator: put an identity on the caller's block list (its pecks to the caller's agents are refused).",
      "Admin with --platform: block it platform-wide. Either closes its affected pecks.",
    })
final class BlockCommand extends Base implements Callable<Integer> {
  @Parameters(paramLabel = "ID", converter = Converters.Identity.class, description = "duckling (dk_…) or agent (ag_…) id")
  IdentityId target;

  @Option(names = "--platform", description = "admin: block platform-wide")
  boolean platform;

  @Option(names = "--reason", defaultValue = "blocked", converter = Converters.Reason.class,
      description = "reason code (default: ${DEFAULT-VALUE})")
  ReasonCode reason;

  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Block b = platform ? duck.blocks().blockPlatformWide(key, target, reason) : duck.blocks().block(key, target, reason);
      done("blocked " + target.value() + (platform ? " platform-wide" : " on the block list of " + b.by().value()), Render.block(b));
      return ExitCodes.OK;
    }
  }
}
