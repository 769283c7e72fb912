package io.spaceduck.storage;

import io.spaceduck.api.DucklingId;
import java.util.Objects;
import java.util.Optional;

/**
 * A duckling's contact, apart from the duckling record (H3): the email encrypted (AEAD, associated
 * data = the duckling id) and a keyed blind index of the normalised email that makes it unique (H4).
 * A deletion request (D1) erases both; the record stays as a tombstone.
 */
public record ContactRecord(DucklingId duckling, Optional<String> blindIndex, Optional<Bytes> encryptedEmail) {
  public ContactRecord {
    Objects.requireNonNull(duckling, "duckling");
    Objects.requireNonNull(blindIndex, "blindIndex");
    Objects.requireNonNull(encryptedEmail, "encryptedEmail");
  }

  public boolean erased() {
    return encryptedEmail.isEmpty();
  }
}
