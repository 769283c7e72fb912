package io.spaceduck.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A JSON object built in insertion order and written on one line, for {@code --json} output and
 * {@code audit export}. Values: strings, numbers, booleans, null, {@link Instant}/{@link Duration}
 * (as ISO-8601 strings), {@link Optional} (empty is null), other {@code Json} objects, collections
 * and maps of these. Anything else is written as its {@code toString()}. Mutable; not thread-safe.
 */
final class Json {
  private final Map<String, @Nullable Object> fields = new LinkedHashMap<>();

  static Json obj() {
    return new Json();
  }

  /** Adds (or replaces) a field. */
  Json put(String name, @Nullable Object value) {
    fields.put(name, value);
    return this;
  }

  /** The fields in insertion order (read-only view), for human-readable rendering. */
  Map<String, @Nullable Object> fields() {
    return java.util.Collections.unmodifiableMap(fields);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    write(sb, this);
    return sb.toString();
  }

  /** A JSON array of the given values on one line. */
  static String array(Collection<?> values) {
    StringBuilder sb = new StringBuilder();
    write(sb, values);
    return sb.toString();
  }

  private static void write(StringBuilder sb, @Nullable Object v) {
    if (v instanceof Optional<?> o) {
      v = o.orElse(null);
    }
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Json j) {
      writeMap(sb, j.fields);
    } else if (v instanceof Map<?, ?> m) {
      writeMap(sb, m);
    } else if (v instanceof Collection<?> c) {
      sb.append('[');
      boolean first = true;
      for (Object e : c) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(sb, e);
      }
      sb.append(']');
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      sb.append(v);
    } else if (v instanceof Number n) {
      double d = n.doubleValue();
      sb.append(Double.isFinite(d) ? String.valueOf(v) : "null");
    } else {
      string(sb, v.toString());
    }
  }

  private static void writeMap(StringBuilder sb, Map<?, ?> m) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      string(sb, String.valueOf(e.getKey()));
      sb.append(':');
      write(sb, e.getValue());
    }
    sb.append('}');
  }

  /** Appends {@code s} as a JSON string literal (RFC 8259 escaping; U+2028/9 escaped too). */
  static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c) && !pairedAt(s, i)) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static boolean pairedAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /** Strings of the given values, for sorted scope lists and the like. */
  static List<String> strings(Collection<?> values) {
    List<String> out = new ArrayList<>();
    values.forEach(v -> out.add(String.valueOf(v)));
    return out;
  }
}
