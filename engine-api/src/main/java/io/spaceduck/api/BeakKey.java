package io.spaceduck.api;

import java.util.Objects;

/**
 * A raw Beak Key, the credential every authenticated call carries (K1). Shown once when issued and
 * never retrievable again: the engine stores only a keyed MAC of it.
 *
 * <h2>Security guarantees</h2>
 *
 * Not a record: {@link #toString()} prints only the non-secret key id ({@code bk_<keyid>_***}),
 * {@code equals} is identity, and {@link #matches(BeakKey)} compares in constant time. The raw text
 * is available only through {@link #reveal()}, which a host calls exactly where it hands the key to
 * its owner. Wrapping a string does not validate it; a malformed key simply fails authentication.
 */
public final class BeakKey {
  /** The visible prefix of every Beak Key. */
  public static final String PREFIX = "bk_";

  private final String raw;

  private BeakKey(String raw) {
    this.raw = raw;
  }

  /** Wraps raw key text received from a caller (an HTTP header, an environment variable, …). */
  public static BeakKey of(String raw) {
    return new BeakKey(Objects.requireNonNull(raw, "raw key"));
  }

  /** The raw key text. Handle with care: it is a bearer credential. */
  public String reveal() {
    return raw;
  }

  /** Constant-time comparison with another key. */
  public boolean matches(BeakKey other) {
    return Secrets.constantTimeEquals(raw, other.raw);
  }

  /** Redacted: the prefix and, when well-formed, the non-secret key id. */
  @Override
  public String toString() {
    int second = raw.indexOf('_', PREFIX.length());
    if (raw.startsWith(PREFIX) && second > PREFIX.length()) {
      String id = raw.substring(PREFIX.length(), second);
      if (KeyId.isValid(id)) {
        return PREFIX + id + "_***";
      }
    }
    return "BeakKey[***]";
  }
}
