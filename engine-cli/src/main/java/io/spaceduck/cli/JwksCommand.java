package io.spaceduck.cli;

import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code duck jwks}: the public JWK set third parties verify certificates and session tokens with (C2). */
@Command(
    name = "jwks",
    description = {
      "Print the engine's public JWK set (C2); needs no caller key.",
      "Every signing key, current and former: public by nature. Save it for cert verify --jwks or any",
      "JOSE library.",
    })
final class JwksCommand extends Base implements Callable<Integer> {
  @Override
  public Integer call() {
    try (SpaceDuck duck = open()) {
      out().println(duck.certificates().publicJwks());
      return ExitCodes.OK;
    }
  }
}
