package io.spaceduck.cli;

import io.spaceduck.api.VerificationDelivery;
import io.spaceduck.api.spi.HumanCheck;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * duck's stand-ins for the two hatch SPIs a hosted front end implements with Turnstile and email
 * (SPEC §13). duck runs at the terminal of someone who holds the store and its KEK, who is not an
 * anonymous bot and is the one to hand codes to people; docs/cli.md explains the choice.
 *
 * <ul>
 *   <li>Human check: passes, unless {@code $SPACEDUCK_CHALLENGE} is set — then the
 *       {@code --challenge} token must equal it (compared in constant time). A failed check gets the
 *       same generic "hatch rejected" as every hatch refusal (H1).
 *   <li>Delivery: the code goes to a file named by {@code --code-file} (mode 600), or else to
 *       standard error — never to standard output, so a script's captured output holds no code.
 * </ul>
 */
final class HatchSpi {
  /** If set, the challenge token hatch start must present. */
  static final String CHALLENGE_ENV = "SPACEDUCK_CHALLENGE";

  private HatchSpi() {}

  static HumanCheck humanCheck(Context ctx) {
    String expected = ctx.getenv(CHALLENGE_ENV);
    if (expected == null) {
      return (token, source) -> true;
    }
    byte[] want = expected.getBytes(StandardCharsets.UTF_8);
    return (token, source) -> MessageDigest.isEqual(want, token.getBytes(StandardCharsets.UTF_8));
  }

  /** Delivery to standard error. */
  static VerificationDelivery stderrDelivery(Context ctx) {
    return (email, hatch, code, expiresAt) ->
        ctx.err().println(
            "verification code for " + hatch.value() + ": " + code.reveal() + " (valid until " + expiresAt
                + "; duck's development delivery — a host would email it)");
  }

  /** Delivery to a file (mode 600); a failed write fails the hatch start. */
  static VerificationDelivery fileDelivery(Context ctx, Path file) {
    return (email, hatch, code, expiresAt) -> {
      if (!SecretIo.writeSecret(ctx, file, code.reveal())) {
        throw new IllegalStateException("cannot write the code file");
      }
    };
  }
}
