package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.SpaceDuck;
import java.nio.file.Path;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck session issue|verify}: peck session tokens (P5). */
@Command(name = "session", description = "Peck session tokens (P5): issue one to an agent of an active peck, verify one online.")
final class SessionCommand extends Group {
  @Command(name = "issue", description = "Agent of an active peck: obtain its session token (never stored; shown once).")
  int issue(
      @Parameters(paramLabel = "PECK_ID", converter = Converters.Peck.class) PeckId peck,
      @Option(names = "--out", converter = Converters.FilePath.class, paramLabel = "FILE", description = "write the token to FILE (mode 600) instead of printing it")
          @Nullable Path outFile) {
    BeakKey key = callerKey();
    if (outFile != null) {
      SecretIo.checkWritable(ctx(), outFile);
    }
    try (SpaceDuck duck = open()) {
      IssuedSession s = duck.pecks().session(key, peck);
      Json j = session(s.session());
      secret(j, "token", s.token().reveal(), outFile, "session token");
      emit(j);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "verify",
      description = {
        "Verify a session token online; needs no caller key.",
        "Checks the signature, the expiry, and that the peck is still active and both bonds live.",
        "Fails (exit 3) at once after a close or a revocation.",
      })
  int verify(@Parameters(converter = Converters.FileName.class, paramLabel = "TOKEN_FILE", description = "file holding the token, - for standard input") String tokenFile) {
    String token = SecretIo.firstLine(SecretIo.readText(ctx(), tokenFile, "token file"));
    try (SpaceDuck duck = open()) {
      Session s = duck.pecks().verifySession(SessionToken.of(token));
      Json j = session(s).put("valid", true);
      done("valid session of " + s.subject().value() + " with " + s.peer().value() + " in peck " + s.peck().value()
          + ", scope " + String.join(",", new TreeSet<>(s.scope())) + ", until " + Render.time(s.expiresAt()), j);
      return ExitCodes.OK;
    }
  }

  private static Json session(Session s) {
    return Json.obj().put("peck_id", s.peck().value()).put("subject", s.subject().value()).put("peer", s.peer().value())
        .put("scope", new TreeSet<>(s.scope())).put("expires_at", s.expiresAt());
  }
}
