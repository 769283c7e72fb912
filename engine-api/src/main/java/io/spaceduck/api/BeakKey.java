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
 *
 * <h2>Caller source</h2>
 *
 * A host that knows where a call comes from (the client's IP address, a device id) passes it with the
 * key, {@link #of(String, String)}: every call that takes the key then counts a failed authentication
 * against that source as well as against the key id, so one source cannot guess keys at full speed
 * ({@link RateLimits#authFailuresPerSource()}). The source is opaque, not secret, and not printed by
 * {@link #toString()}; a key wrapped with {@link #of(String)} has none and is limited per key id only.
 */
public final class BeakKey {
  /** The visible prefix of every Beak Key. */
  public static final String PREFIX = "bk_";

  /** The longest caller source accepted, in characters (as for hatch sources). */
  public static final int MAX_SOURCE_LENGTH = 256;

  private final String raw;
  private final @org.jspecify.annotations.Nullable String source;

  private BeakKey(String raw, @org.jspecify.annotations.Nullable String source) {
    this.raw = raw;
    this.source = source;
  }

  /** Wraps raw key text received from a caller (an HTTP header, an environment variable, …). */
  public static BeakKey of(String raw) {
    return new BeakKey(Objects.requireNonNull(raw, "raw key"), null);
  }

  /**
   * Wraps raw key text received from a caller at {@code source} (an opaque string the host chooses:
   * the client's IP address, a device id — the same kind of value as a hatch source).
   *
   * @throws IllegalArgumentException if {@code source} is empty or longer than {@value
   *     #MAX_SOURCE_LENGTH} characters
   */
  public static BeakKey of(String raw, String source) {
    Objects.requireNonNull(raw, "raw key");
    Objects.requireNonNull(source, "source");
    if (source.isEmpty() || source.length() > MAX_SOURCE_LENGTH) {
      throw new IllegalArgumentException("source must be 1 to " + MAX_SOURCE_LENGTH + " characters");
    }
    return new BeakKey(raw, source);
  }

  /** The caller's source, when the host gave one. */
  public java.util.Optional<String> source() {
    return java.util.Optional.ofNullable(source);
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
