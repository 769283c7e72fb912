package io.spaceduck.api.spi;

/**
 * Verifies a bot challenge (Cloudflare Turnstile in the hosted platform) before any other hatch work
 * (H1). Implementations must be thread-safe and should bound their own network time; a thrown
 * exception counts as a failed challenge.
 */
@FunctionalInterface
public interface HumanCheck {
  /**
   * @param challengeToken the token the client obtained from the challenge
   * @param source the opaque origin of the attempt (IP, device)
   * @return whether a human passed the challenge
   */
  boolean verify(String challengeToken, String source);
}
