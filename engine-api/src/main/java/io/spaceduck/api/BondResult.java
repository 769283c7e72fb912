package io.spaceduck.api;

import java.util.Objects;

/** A new bond (B1): the bond, the agent, its certificate and its first key, shown once. */
public record BondResult(Bond bond, Agent agent, BirthCertificate certificate, IssuedKey key) {
  public BondResult {
    Objects.requireNonNull(bond, "bond");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
  }
}
