package io.spaceduck.conformance;

import io.spaceduck.api.DucklingId;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.Versioned;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Contact rows for the uniqueness cases ({@link IndexContract}, {@link SerializabilityContract}): a
 * contact's blind index is the unique value that moves between rows. Stateless.
 */
final class UniqueContacts {
  private UniqueContacts() {}

  /** The alphabet of the ids' variable part. */
  static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  /** A duckling id per role letter and pair number, so that concurrent pairs never share a row. */
  static DucklingId roleId(char role, int pair) {
    return new DucklingId("dk_" + String.valueOf(role).repeat(24) + BASE32.charAt(pair / 32 % 32) + BASE32.charAt(pair % 32));
  }

  /** A live contact holding {@code blindIndex}, or an erased one (no blind index, no email) when empty. */
  static ContactRecord contact(DucklingId id, Optional<String> blindIndex) {
    return new ContactRecord(id, blindIndex, blindIndex.map(b -> Bytes.of(("mail of " + b).getBytes(StandardCharsets.UTF_8))));
  }

  static ContactRecord contact(DucklingId id, String blindIndex) {
    return contact(id, Optional.of(blindIndex));
  }

  static ContactRecord erased(DucklingId id) {
    return contact(id, Optional.empty());
  }

  static <V> Versioned<V> v1(V value) {
    return new Versioned<>(value, 1);
  }
}
