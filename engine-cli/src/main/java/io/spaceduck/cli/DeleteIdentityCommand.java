package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck delete-identity DUCKLING_ID --yes}: a deletion request (D1). Irreversible. */
@Command(
    name = "delete-identity",
    description = {
      "Delete a duckling on its own request or an admin's (D1); irreversible, so it needs --yes.",
      "Erases its email, marks it deleted, revokes its keys and bonds and closes its agents' pecks.",
      "Certificates and audit events stay.",
    })
final class DeleteIdentityCommand extends Base implements Callable<Integer> {
  @Parameters(paramLabel = "DUCKLING_ID", converter = Converters.Duckling.class)
  DucklingId target;

  @Option(names = "--yes", description = "confirm: this cannot be undone")
  boolean yes;

  @Option(names = "--reason", defaultValue = "deletion_request", converter = Converters.Reason.class,
      description = "reason code (default: ${DEFAULT-VALUE})")
  ReasonCode reason;

  @Override
  public Integer call() {
    if (!yes) {
      throw CliException.usage("delete-identity cannot be undone: repeat it with --yes");
    }
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Duckling d = duck.identities().requestDeletion(key, target, reason);
      done("deleted " + d.id().value() + ": email erased, keys and bonds revoked; certificates and audit events stay",
          Render.identity(d));
      return ExitCodes.OK;
    }
  }
}
