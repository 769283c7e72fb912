package io.spaceduck.storage;

import java.util.Objects;

/** A named store-wide value (format version, bootstrap marker). */
public record MetaRecord(String name, String value) {
  public MetaRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }
}
