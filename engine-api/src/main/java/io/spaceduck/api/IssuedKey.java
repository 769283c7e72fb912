package io.spaceduck.api;

import java.util.Objects;

/**
 * A freshly issued key: its info and the raw key, shown this once (K1). {@code toString} stays
 * redacted because {@link BeakKey#toString()} is.
 */
public record IssuedKey(KeyInfo info, BeakKey key) {
  public IssuedKey {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(key, "key");
  }
}
