package io.spaceduck.storage;

import java.util.Objects;

/**
 * A stored value and its version. The version is 1 after insert and grows by one with every update;
 * {@link Transaction#update} succeeds only if the stored version is still this one (compare-and-set).
 */
public record Versioned<V>(V value, long version) {
  public Versioned {
    Objects.requireNonNull(value, "value");
    if (version < 1) {
      throw new IllegalArgumentException("versions start at 1");
    }
  }
}
