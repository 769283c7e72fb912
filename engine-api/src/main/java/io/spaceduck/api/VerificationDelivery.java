package io.spaceduck.api;

import java.time.Instant;

/**
 * Hands a hatch verification code to the person (email via SES in the hosted platform) (H2). The
 * engine calls it after the pending hatch is stored. Implementations must not log the code or the
 * address; a thrown exception makes the hatch attempt fail with the generic rejection.
 */
@FunctionalInterface
public interface VerificationDelivery {
  void deliver(Email email, HatchId hatch, VerificationCode code, Instant expiresAt);
}
