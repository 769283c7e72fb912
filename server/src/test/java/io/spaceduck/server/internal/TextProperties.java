package io.spaceduck.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;

/** The one text rule (no control characters, no unpaired surrogates) and the strict query decoder. */
class TextProperties {
  private static boolean acceptable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c)) {
        return false;
      }
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  @Property(tries = 500)
  void check_acceptsExactlyTheStringsWithoutControlsOrLoneSurrogates(@ForAll @StringLength(max = 12) String s) {
    if (acceptable(s)) {
      assertEquals(s, Text.check("f", s));
    } else {
      assertThrows(ApiException.class, () -> Text.check("f", s));
    }
  }

  @Property(tries = 300)
  void query_decodesWhatAClientEncodes(@ForAll @StringLength(min = 1, max = 12) @CharRange(from = ' ', to = '\uD7FF') String value) {
    String raw = "a=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    if (acceptable(value)) {
      assertEquals(value, Query.parse(raw, Set.of("a")).opt("a").orElseThrow());
    } else {
      assertThrows(ApiException.class, () -> Query.parse(raw, Set.of("a")));
    }
  }

  @Property(tries = 200)
  void query_refusesMalformedUtf8(@ForAll @CharRange(from = '\u0080', to = '\u00bf') char continuation) {
    String raw = "a=%" + Integer.toHexString(continuation).toUpperCase();
    assertThrows(ApiException.class, () -> Query.parse(raw, Set.of("a")), "a lone continuation byte is not UTF-8");
  }
}
