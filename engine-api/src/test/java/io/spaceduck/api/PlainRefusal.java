package io.spaceduck.api;

import java.util.function.Function;

/** For the text-format fuzz targets: a parser refuses with exactly {@link IllegalArgumentException}. */
final class PlainRefusal {
  private PlainRefusal() {}

  /**
   * The parsed value, or null when {@code parse} refused with exactly an IllegalArgumentException (not
   * a subclass such as {@code NumberFormatException}, whose message is the JDK's).
   */
  static <T> T parsed(Function<String, T> parse, String s) {
    try {
      return parse.apply(s);
    } catch (IllegalArgumentException e) {
      if (e.getClass() != IllegalArgumentException.class) {
        throw new AssertionError("refused with " + e.getClass().getName() + " instead of IllegalArgumentException", e);
      }
      return null;
    }
  }
}
