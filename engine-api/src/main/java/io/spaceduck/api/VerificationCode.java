package io.spaceduck.api;

import java.util.Objects;

/**
 * A raw hatch verification code (H2), as delivered to the person and typed back. Stored by the engine
 * only as a keyed MAC.
 *
 * <h2>Security guarantees</h2>
 *
 * Not a record: {@code toString} is redacted, {@code equals} is identity and {@link
 * #matches(VerificationCode)} is constant-time.
 */
public final class VerificationCode {
  private final String raw;

  private VerificationCode(String raw) {
    this.raw = raw;
  }

  /** Wraps a code as typed by the person. */
  public static VerificationCode of(String raw) {
    return new VerificationCode(Objects.requireNonNull(raw, "code"));
  }

  /** The raw code. */
  public String reveal() {
    return raw;
  }

  /** Constant-time comparison. */
  public boolean matches(VerificationCode other) {
    return Secrets.constantTimeEquals(raw, other.raw);
  }

  @Override
  public String toString() {
    return "VerificationCode[***]";
  }
}
