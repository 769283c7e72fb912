package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A pending hatch: the id to complete it with and when the code expires. Holds no identity (H2).
 */
public record HatchTicket(HatchId id, Instant expiresAt) {
  public HatchTicket {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
