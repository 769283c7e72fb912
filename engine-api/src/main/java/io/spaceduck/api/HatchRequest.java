package io.spaceduck.api;

import java.util.Objects;

/**
 * The first hatch step (H1).
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
}
