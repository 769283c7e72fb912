package io.spaceduck.storage;

import io.spaceduck.api.KeyInfo;
import java.util.Objects;

/** A Beak Key at rest: its info and a keyed MAC of the secret — never the secret (K1, I8). */
public record KeyRecord(KeyInfo info, Bytes mac) {
  public KeyRecord {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(mac, "mac");
  }
}
