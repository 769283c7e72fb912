package io.spaceduck.api;

import java.util.Objects;
import java.util.regex.Pattern;

/** Shared validation of typed ids: a fixed prefix and 16–40 lowercase base32 characters. */
final class Ids {
  private static final Pattern BODY = Pattern.compile("[a-z2-7]{16,40}");

  private Ids() {}

  static String check(String value, String prefix, String type) {
    Objects.requireNonNull(value, type);
    if (value.length() > 64
        || !value.startsWith(prefix)
        || !BODY.matcher(value.substring(prefix.length())).matches()) {
      throw new IllegalArgumentException("malformed " + type);
    }
    return value;
  }

  static boolean valid(String value, String prefix) {
    return value.length() <= 64
        && value.startsWith(prefix)
        && BODY.matcher(value.substring(prefix.length())).matches();
  }
}
