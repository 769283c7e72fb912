package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck unblock ID}: lifts a block-list entry, or (admin, {@code --platform}) a platform-wide block. */
@Command(name = "unblock", description = "Remove an identity from the caller's block list; admin with --platform: lift a platform-wide block.")
final class UnblockCommand extends Base implements Callable<Integer> {
  @Parameters(paramLabel = "ID", converter = Converters.Identity.class)
  IdentityId target;

  @Option(names = "--platform", description = "admin: lift a platform-wide block")
  boolean platform;

  @Option(names = "--reason", defaultValue = "none", converter = Converters.Reason.class,
      description = "reason code (default: ${DEFAULT-VALUE})")
  ReasonCode reason;

  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      if (platform) {
        duck.blocks().unblockPlatformWide(key, target, reason);
      } else {
        duck.blocks().unblock(key, target, reason);
      }
      done("unblocked " + target.value() + (platform ? " platform-wide" : ""),
          Json.obj().put("unblocked", target.value()).put("list", platform ? "platform" : "operator").put("reason", reason.code()));
      return ExitCodes.OK;
    }
  }
}
