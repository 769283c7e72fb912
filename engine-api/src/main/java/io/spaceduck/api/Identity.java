package io.spaceduck.api;

import java.time.Instant;

/** An identity that holds a tier and birth certificates: a {@link Duckling} or an {@link Agent}. */
public sealed interface Identity permits Duckling, Agent {
  IdentityId id();

  String displayName();

  Tier tier();

  IdentityStatus status();

  Instant createdAt();

  /** The identity's one current certificate (I6). */
  CertId currentCert();

  default IdentityKind kind() {
    return id().kind();
  }

  /** Whether the identity holds {@link Role#ADMIN}. */
  default boolean isAdmin() {
    return this instanceof Duckling d && d.roles().contains(Role.ADMIN);
  }
}
