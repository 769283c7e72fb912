package io.spaceduck.server.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A query string decoded strictly: percent-escapes must be well formed and decode to valid UTF-8,
 * every value passes {@link Text#check}, a name may appear once, and only the names the route
 * declares are accepted.
 */
final class Query {
  private final Map<String, String> values;

  private Query(Map<String, String> values) {
    this.values = values;
  }

  static Query parse(String raw, Set<String> allowed) {
    Map<String, String> m = new LinkedHashMap<>();
    if (raw != null && !raw.isEmpty()) {
      for (String pair : raw.split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode("query", eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(name, pair.substring(eq + 1));
        if (!allowed.contains(name)) {
          throw ApiException.invalid("query", "unknown parameter");
        }
        if (m.put(name, Text.check(name, value)) != null) {
          throw ApiException.invalid(name, "given more than once");
        }
      }
    }
    return new Query(m);
  }

  Optional<String> opt(String name) {
    String v = values.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  String required(String name) {
    return opt(name).orElseThrow(() -> ApiException.invalid(name, "required"));
  }

  Optional<Long> optLong(String name, long min, long max) {
    Optional<String> v = opt(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    String s = v.get();
    if (s.length() > 19 || !s.matches("-?[0-9]+")) {
      throw ApiException.invalid(name, "must be an integer");
    }
    long l = Long.parseLong(s);
    if (l < min || l > max) {
      throw ApiException.invalid(name, "must be in " + min + ".." + max);
    }
    return Optional.of(l);
  }

  Optional<Boolean> optBool(String name) {
    Optional<String> v = opt(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    return switch (v.get()) {
      case "true" -> Optional.of(true);
      case "false" -> Optional.of(false);
      default -> throw ApiException.invalid(name, "must be true or false");
    };
  }

  private static String decode(String field, String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '+') {
        out.write(' ');
      } else if (c == '%') {
        if (i + 2 >= s.length()) {
          throw ApiException.invalid(field, "malformed percent-escape");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw ApiException.invalid(field, "malformed percent-escape");
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else if (c > 0x7f) {
        throw ApiException.invalid(field, "non-ASCII characters must be percent-encoded");
      } else {
        out.write(c);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiException.invalid(field, "not valid UTF-8");
    }
  }
}
