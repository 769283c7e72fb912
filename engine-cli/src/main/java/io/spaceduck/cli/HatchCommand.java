package io.spaceduck.cli;

import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.api.VerificationDelivery;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code duck hatch start|complete} (H1–H5). Both steps are anonymous: no caller key. The human check
 * and the code delivery are duck's stand-ins ({@link HatchSpi}).
 */
@Command(
    name = "hatch",
    description = "Hatch a duckling: start sends a verification code, complete turns it into a T1 duckling with its first key.")
final class HatchCommand extends Group {
  @Command(
      name = "start",
      description = {
        "Start a hatch (H1, H2). The verification code goes to --code-file (mode 600), else to stderr.",
        "Every refusal is the same 'hatch rejected' (exit 7).",
      })
  int start(
      @Option(names = "--name", required = true, converter = Converters.Text.class, description = "display name") String name,
      @Option(names = "--email", required = true, converter = Converters.EmailText.class, description = "email address (stored encrypted)") String email,
      @Option(
              names = "--challenge",
              defaultValue = "cli",
              description = "human-check token; must equal $SPACEDUCK_CHALLENGE when that is set (default: ${DEFAULT-VALUE})")
          String challenge,
      @Option(names = "--source", converter = Converters.Text.class, defaultValue = "cli", description = "origin for the hatch rate limit, H5 (default: ${DEFAULT-VALUE})")
          String source,
      @Option(names = "--code-file", converter = Converters.FilePath.class, paramLabel = "FILE", description = "deliver the code into FILE instead of stderr")
          @Nullable Path codeFile) {
    if (codeFile != null) {
      SecretIo.checkWritable(ctx(), codeFile);
    }
    VerificationDelivery delivery =
        codeFile != null ? HatchSpi.fileDelivery(ctx(), codeFile) : HatchSpi.stderrDelivery(ctx());
    try (SpaceDuck duck = root().open(HatchSpi.humanCheck(ctx()), delivery, b -> {})) {
      HatchTicket t = duck.hatching().start(new HatchRequest(name, Email.of(email), challenge, source));
      Json j = Json.obj().put("hatch_id", t.id().value()).put("expires_at", t.expiresAt());
      if (codeFile != null) {
        j.put("code_file", ctx().resolve(codeFile.toString()).toString());
      }
      emit(j);
      if (!json()) {
        err().println("duck: next: duck hatch complete " + t.id().value() + (codeFile != null ? " --code-file " + codeFile : "") + "  (reads the code from standard input without --code-file)");
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "complete",
      description = {
        "Complete a hatch with its code (H3): a T1 duckling with its certificate and first key.",
        "The key is printed once. The code is read from --code-file, else from standard input.",
      })
  int complete(
      @Parameters(paramLabel = "HATCH_ID", converter = Converters.Hatch.class, description = "the id hatch start printed")
          HatchId hatch,
      @Option(names = "--code-file", converter = Converters.FileName.class, paramLabel = "FILE", description = "file holding the code (- for standard input, the default)")
          @Nullable String codeFile,
      @Option(names = "--key-out", converter = Converters.FilePath.class, paramLabel = "FILE", description = "write the new key to FILE (mode 600) instead of printing it")
          @Nullable Path keyOut) {
    if (keyOut != null) {
      SecretIo.checkWritable(ctx(), keyOut);
    }
    if (codeFile == null && System.console() != null && ctx().in() == System.in) {
      err().print("verification code: ");
      err().flush();
    }
    String code = SecretIo.firstLine(SecretIo.readText(ctx(), codeFile == null ? "-" : codeFile, "code file"));
    try (SpaceDuck duck = open()) {
      HatchResult r = duck.hatching().complete(hatch, VerificationCode.of(code));
      Json j = Render.identity(r.duckling());
      j.put("cert_id", r.certificate().id().value()).put("key_id", r.key().info().id().value());
      secret(j, "key", r.key().key().reveal(), keyOut, "key");
      emit(j);
      return ExitCodes.OK;
    }
  }
}
