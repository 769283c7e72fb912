package io.spaceduck.server.hosts;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads settings from an environment given as a function (normally {@code System::getenv}), so tests
 * pass a map. Blank values count as unset. Error messages name the variable, never its value (a value
 * may be a secret).
 */
final class Env {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

  private final Function<String, @Nullable String> source;

  Env(Function<String, @Nullable String> source) {
    this.source = Objects.requireNonNull(source, "env");
  }

  @Nullable String get(String name) {
    String v = source.apply(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    return v.strip();
  }

  String require(String name) {
    String v = get(name);
    if (v == null) {
      throw new IllegalStateException("environment variable " + name + " is not set");
    }
    return v;
  }

  /** A duration such as {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
  @Nullable Duration duration(String name) {
    String v = get(name);
    if (v == null) {
      return null;
    }
    Matcher m = DURATION.matcher(v.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalStateException(name + " must be a duration such as 500ms, 5s, 2m or 1h");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    switch (unit) {
      case "ms":
        return Duration.ofMillis(n);
      case "m":
        return Duration.ofMinutes(n);
      case "h":
        return Duration.ofHours(n);
      default:
        return Duration.ofSeconds(n);
    }
  }

  @Nullable Integer integer(String name) {
    String v = get(name);
    if (v == null) {
      return null;
    }
    try {
      return Integer.valueOf(v);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(name + " must be an integer");
    }
  }

  /** {@code true/yes/1/on} or {@code false/no/0/off}; unset is {@code dflt}. */
  boolean flag(String name, boolean dflt) {
    String v = get(name);
    if (v == null) {
      return dflt;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "1":
      case "on":
        return true;
      case "false":
      case "no":
      case "0":
      case "off":
        return false;
      default:
        throw new IllegalStateException(name + " must be true or false");
    }
  }
}
