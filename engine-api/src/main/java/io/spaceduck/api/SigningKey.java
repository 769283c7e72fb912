package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One key of the engine's certificate and session-token signing keyset (C2), as an admin sees it.
 * Public information: the key itself is in the JWK set, its private half never leaves the engine.
 *
 * @param kid the JWS {@code kid} that tokens signed by it name
 * @param state where the key is in its lifecycle
 * @param retiresAt for a retiring (or retired) key, the date from which it is no longer published
 */
public record SigningKey(String kid, State state, Optional<Instant> retiresAt) {
  /** The lifecycle of a signing key ({@code docs/keys.md}). */
  public enum State {
    /** Signs every new certificate and session token; published. */
    PRIMARY,
    /** Published and verifying (added and not yet promoted, or a former primary); signs nothing. */
    ACTIVE,
    /** Scheduled for retirement: published until {@code retiresAt}, signs nothing. */
    RETIRING,
    /** Its retirement date passed: no longer published, nothing it signed verifies. */
    RETIRED
  }

  public SigningKey {
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(retiresAt, "retiresAt");
    if ((state == State.RETIRING || state == State.RETIRED) != retiresAt.isPresent()) {
      throw new IllegalArgumentException("a retiring or retired key, and only one, has a retirement date");
    }
  }
}
