package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Identity;
import io.spaceduck.api.Principal;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code duck whoami}: who the caller's key authenticates as. */
@Command(name = "whoami", description = "Show who the caller's key authenticates as: identity, tier, roles, key id.")
final class WhoamiCommand extends Base implements Callable<Integer> {
  @Override
  public Integer call() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Principal p = duck.authenticate(key);
      Identity i = duck.identities().get(key, p.id());
      Json j = Render.principal(p).put("display_name", i.displayName()).put("status", Render.lower(i.status()))
          .put("current_cert", i.currentCert().value());
      emit(j);
      return ExitCodes.OK;
    }
  }
}
