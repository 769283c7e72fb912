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
  /**
   * The longest text accepted as a code: a six-digit code or a link token fits many times over;
   * anything longer is no code, and is refused before it costs a MAC or a copy.
   */
  public static final int MAX_LENGTH = 256;

  private final String raw;

  private VerificationCode(String raw) {
    this.raw = raw;
  }

  /**
   * Wraps a code as typed by the person.
   *
   * @throws IllegalArgumentException if longer than {@link #MAX_LENGTH} characters (the message never
   *     echoes the text)
   */
  public static VerificationCode of(String raw) {
    Objects.requireNonNull(raw, "code");
    if (raw.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("a verification code is at most " + MAX_LENGTH + " characters");
    }
    return new VerificationCode(raw);
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
