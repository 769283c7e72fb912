package io.spaceduck.api;

import java.util.Objects;

/**
 * An email address: personal data. The engine stores it only encrypted, in a contact record apart
 * from the duckling, and finds it through a keyed blind index (H3, D1).
 *
 * <h2>Security guarantees</h2>
 *
 * Not a record: {@code toString} is redacted so an address never reaches a log line or exception
 * message by accident (D2). No validation happens here; the engine validates and normalises.
 */
public final class Email {
  private final String address;

  private Email(String address) {
    this.address = address;
  }

  /** Wraps an address as typed by a person. */
  public static Email of(String address) {
    return new Email(Objects.requireNonNull(address, "email"));
  }

  /** The address as given. */
  public String reveal() {
    return address;
  }

  @Override
  public String toString() {
    return "Email[***]";
  }
}
