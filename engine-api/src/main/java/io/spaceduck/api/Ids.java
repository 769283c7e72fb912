package io.spaceduck.api;

import java.util.Objects;

/**
 * Shared validation of typed ids: a fixed prefix and 16–40 lowercase base32 characters.
 *
 * <p>A hand-written character loop rather than a regular expression: ids are validated whenever one
 * is built, which includes every row a byte-storing backend decodes on the per-call authentication
 * path, and a {@code Matcher} per id cost more there than the check itself. It accepts exactly the
 * language {@code prefix[a-z2-7]{16,40}} (a property test holds it to that regex).
 */
final class Ids {
  static final int MIN_BODY = 16;
  static final int MAX_BODY = 40;

  private Ids() {}

  static String check(String value, String prefix, String type) {
    Objects.requireNonNull(value, type);
    if (!valid(value, prefix)) {
      throw new IllegalArgumentException("malformed " + type);
    }
    return value;
  }

  static boolean valid(String value, String prefix) {
    int body = value.length() - prefix.length();
    return body >= MIN_BODY && body <= MAX_BODY && value.startsWith(prefix) && isBase32(value, prefix.length(), value.length());
  }

  /** Whether every character of {@code s[from, to)} is lowercase base32 ({@code a-z}, {@code 2-7}). */
  static boolean isBase32(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
        return false;
      }
    }
    return true;
  }
}
