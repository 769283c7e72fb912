package io.spaceduck.api;

import java.util.Objects;

/** A completed hatch (H3) or bootstrap: the duckling, its certificate and its first key, shown once. */
public record HatchResult(Duckling duckling, BirthCertificate certificate, IssuedKey key) {
  public HatchResult {
    Objects.requireNonNull(duckling, "duckling");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
  }
}
