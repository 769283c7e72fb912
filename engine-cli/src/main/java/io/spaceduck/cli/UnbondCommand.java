package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck unbond BOND_ID}: revokes a bond and all its keys at once (B2). */
@Command(name = "unbond", description = "Revoke a bond (B2): all its keys fail on their next call and its pecks close.")
final class UnbondCommand extends Base implements Callable<Integer> {
  @Parameters(paramLabel = "BOND_ID", converter = Converters.Bond.class)
  BondId bond;

  @Option(names = "--reason", defaultValue = "operator_request", converter = Converters.Reason.class,
      description = "reason code (default: ${DEFAULT-VALUE})")
  ReasonCode reason;

  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Bond b = duck.bonds().revoke(key, bond, reason);
      done("revoked bond " + b.id().value() + " of agent " + b.agent().value() + " (reason " + reason + ")", Render.bond(b));
      return ExitCodes.OK;
    }
  }
}
