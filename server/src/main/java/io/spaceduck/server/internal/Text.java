package io.spaceduck.server.internal;

/**
 * The one rule every text value from a client passes before it reaches the engine: no control
 * characters (C0, DEL, C1) and no unpaired UTF-16 surrogates (a JSON {@code \ud800} escape can make
 * one; it is not a Unicode character and cannot be stored as UTF-8). Invalid UTF-8 bytes never get
 * this far: the JSON parser and the query decoder refuse them.
 */
final class Text {
  private Text() {}

  /** {@code value}, or a 400 naming {@code field}. */
  static String check(String field, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        throw ApiException.invalid(field, "control characters are not allowed");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
          continue;
        }
        throw ApiException.invalid(field, "unpaired surrogate");
      }
      if (Character.isLowSurrogate(c)) {
        throw ApiException.invalid(field, "unpaired surrogate");
      }
    }
    return value;
  }
}
