package io.spaceduck.server.hosts;

import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.api.VerificationDelivery;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Objects;

/**
 * Development delivery: prints each hatch verification code to standard error (in the format {@code duck
 * hatch} uses) instead of emailing it, and says so loudly — a banner when it is created, and a tag on
 * every line. For a laptop or a CI run, never for people: anyone who reads the server's stderr can complete
 * any hatch. The email address is never printed (D2). Thread-safe.
 */
public final class DevModeDelivery implements VerificationDelivery {
  /** The banner printed once, when the delivery is created. */
  public static final String BANNER = "DEVELOPMENT MODE: verification codes are printed, not emailed";

  private final PrintStream out;

  /** Prints to {@code System.err}. */
  public DevModeDelivery() {
    this(System.err);
  }

  /** Prints to {@code out} (a test's stream). */
  public DevModeDelivery(PrintStream out) {
    this.out = Objects.requireNonNull(out, "out");
    String rule = "!".repeat(BANNER.length() + 8);
    out.println(rule + System.lineSeparator() + "!!! " + BANNER + " !!!" + System.lineSeparator() + rule);
  }

  @Override
  public void deliver(Email email, HatchId hatch, VerificationCode code, Instant expiresAt) {
    out.println(
        "verification code for " + hatch.value() + ": " + code.reveal() + " (valid until " + expiresAt
            + "; development mode — a production host emails it)");
  }

  @Override
  public String toString() {
    return "DevModeDelivery";
  }
}
