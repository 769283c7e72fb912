package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The hand-written JSON writer: any string survives a round trip, and output is one line. */
class JsonProperties {
  @Property(tries = 500)
  void anyString_roundTrips_onOneLine(@ForAll String s) {
    String json = Json.obj().put("k", s).toString();
    assertTrue(json.lines().count() <= 1, json);
    for (char c : json.toCharArray()) {
      assertTrue(c >= 0x20 && c != 0x2028 && c != 0x2029, "raw control character in " + json);
    }
    assertTrue(json.startsWith("{\"k\":\"") && json.endsWith("\"}"), json);
    assertEquals(s, unescape(json.substring(6, json.length() - 2)));
  }

  @Example
  void values_ofEveryKind() {
    String json = Json.obj().put("n", 3L).put("b", true).put("none", Optional.empty()).put("some", Optional.of("x"))
        .put("list", List.of("a", 1)).put("map", Map.of("k", "v")).put("at", Instant.parse("2026-01-01T00:00:00Z"))
        .put("d", Duration.ofHours(1)).put("nested", Json.obj().put("q", "\"")).toString();
    assertEquals("{\"n\":3,\"b\":true,\"none\":null,\"some\":\"x\",\"list\":[\"a\",1],\"map\":{\"k\":\"v\"},"
        + "\"at\":\"2026-01-01T00:00:00Z\",\"d\":\"PT1H\",\"nested\":{\"q\":\"\\\"\"}}", json);
  }

  /** A JSON string body decoder (RFC 8259), independent of the writer. */
  static String unescape(String body) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != '\\') {
        assertTrue(c != '"', "unescaped quote");
        sb.append(c);
        continue;
      }
      char e = body.charAt(++i);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'u' -> {
          sb.append((char) Integer.parseInt(body.substring(i + 1, i + 5), 16));
          i += 4;
        }
        default -> throw new AssertionError("bad escape \\" + e);
      }
    }
    return sb.toString();
  }
}
