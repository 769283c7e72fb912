package io.spaceduck.storage;

import java.util.Objects;

/** One of the engine's Tink keysets, encrypted under the host's KEK. Never plaintext (I8). */
public record KeysetRecord(String name, Bytes encryptedKeyset) {
  public KeysetRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(encryptedKeyset, "encryptedKeyset");
  }
}
