package io.spaceduck.api;

import java.util.Objects;

/**
 * The first hatch step (H1).
 *
 * <h2>Security guarantees</h2>
 *
 * {@link #toString()} never prints the challenge token (a bearer proof of a passed challenge) or the
 * email (D2); the display name and source are not secret.
 *
 * @param displayName the name to show on the certificate
 * @param email the address to verify (never logged; stored only encrypted)
 * @param challengeToken the bot-challenge token the host's {@link io.spaceduck.api.spi.HumanCheck}
 *     verifies
 * @param source an opaque string naming where the attempt comes from (IP, device) for rate limits
 *     (H5)
 */
public record HatchRequest(String displayName, Email email, String challengeToken, String source) {
  public HatchRequest {
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(email, "email");
    Objects.requireNonNull(challengeToken, "challengeToken");
    Objects.requireNonNull(source, "source");
  }

  /** Redacted: the challenge token is a bearer secret and the email personal data (D2). */
  @Override
  public String toString() {
    return "HatchRequest[displayName=" + displayName + ", email=" + email + ", challengeToken=***, source=" + source + "]";
  }
}
