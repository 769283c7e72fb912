package io.spaceduck.api;

import java.util.Optional;

/** Id of an identity that holds a tier and certificates: a {@link DucklingId} or an {@link AgentId}. */
public sealed interface IdentityId permits DucklingId, AgentId {
  /** The full id string, including its prefix. */
  String value();

  /** Which kind of identity this id names. */
  IdentityKind kind();

  /**
   * Parses a duckling or agent id.
   *
   * @return empty if {@code value} is neither a well-formed duckling id nor agent id
   */
  static Optional<IdentityId> parse(@org.jspecify.annotations.Nullable String value) {
    if (DucklingId.isValid(value)) {
      return Optional.of(new DucklingId(value));
    }
    if (AgentId.isValid(value)) {
      return Optional.of(new AgentId(value));
    }
    return Optional.empty();
  }
}
