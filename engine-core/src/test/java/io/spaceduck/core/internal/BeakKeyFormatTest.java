package io.spaceduck.core.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spaceduck.api.KeyId;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

/**
 * The raw key format (K1): what authentication MACs is byte for byte what issue MACed, and anything
 * that is not {@code bk_<16 base32>_<52 base32>} is refused before any lookup.
 */
class BeakKeyFormatTest {
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  @Provide
  Arbitrary<String> ids() {
    return Arbitraries.strings().withChars(BASE32).ofLength(16);
  }

  @Provide
  Arbitrary<String> secrets() {
    return Arbitraries.strings().withChars(BASE32).ofLength(52);
  }

  @Property
  @Tag("K1")
  @Label("K1 the MAC input taken from raw text equals the one built at issue (the pre-change formula)")
  void macInputFromRawText_equalsTheIssueInput(@ForAll("ids") String id, @ForAll("secrets") String secret) {
    String raw = BeakKeyFormat.format(new KeyId(id), secret).reveal();
    byte[] body = BeakKeyFormat.macBodyOf(raw);
    assertNotNull(body);
    // the two parts authentication MACs, joined
    byte[] fromRaw = new byte[BeakKeyFormat.MAC_DOMAIN.length + body.length - BeakKeyFormat.BODY_FROM];
    System.arraycopy(BeakKeyFormat.MAC_DOMAIN, 0, fromRaw, 0, BeakKeyFormat.MAC_DOMAIN.length);
    System.arraycopy(body, BeakKeyFormat.BODY_FROM, fromRaw, BeakKeyFormat.MAC_DOMAIN.length, body.length - BeakKeyFormat.BODY_FROM);
    // the formula every stored MAC so far was computed over
    byte[] issued = ("beak-key/v1|" + id + "|" + secret).getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(issued, fromRaw);
    assertArrayEquals(issued, BeakKeyFormat.macInput(new KeyId(id), secret));
    assertEquals(id, BeakKeyFormat.keyIdOf(raw));
  }

  @Property
  @Tag("K1")
  @Label("K1 one character outside [a-z2-7] anywhere in id or secret refuses the key")
  void anyForeignCharacter_refusesTheKey(
      @ForAll("ids") String id,
      @ForAll("secrets") String secret,
      @ForAll("positions") int position,
      @ForAll("foreign") char c) {
    char[] raw = BeakKeyFormat.format(new KeyId(id), secret).reveal().toCharArray();
    raw[position] = c;
    assertNull(BeakKeyFormat.macBodyOf(new String(raw)));
  }

  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(3, BeakKeyFormat.LENGTH - 1).filter(i -> i != 19);
  }

  @Provide
  Arbitrary<Character> foreign() {
    return Arbitraries.oneOf(
            Arbitraries.chars().with('|', '_', '0', '1', '8', '9', 'A', 'Z', '?', ' ', '\0', 'é', '\u00ff', '\u0161'),
            Arbitraries.chars())
        .filter(c -> BASE32.indexOf(c) < 0);
  }

  @Example
  @Tag("K1")
  void wrongShape_isRefused() {
    String good = BeakKeyFormat.format(new KeyId("a".repeat(16)), "b".repeat(52)).reveal();
    assertEquals(BeakKeyFormat.LENGTH, good.length());
    assertNull(BeakKeyFormat.macBodyOf(good.substring(1)));
    assertNull(BeakKeyFormat.macBodyOf(good + "a"));
    assertNull(BeakKeyFormat.macBodyOf("bK_" + good.substring(3)));
    assertNull(BeakKeyFormat.macBodyOf("xx_" + good.substring(3)));
    assertNull(BeakKeyFormat.macBodyOf(good.substring(0, 19) + "|" + good.substring(20)));
    assertNull(BeakKeyFormat.macBodyOf(good.substring(0, 19) + "a" + good.substring(20)));
    assertNull(BeakKeyFormat.macBodyOf(""));
  }

  @Example
  @Tag("K1")
  @Label("K1 a character beyond U+FFFF (a surrogate pair in the 72 UTF-16 units) refuses the key, it does not throw")
  void supplementaryCharacter_isRefused_notAnIndexError() {
    String good = BeakKeyFormat.format(new KeyId("a".repeat(16)), "b".repeat(52)).reveal();
    String duck = new String(Character.toChars(0x1F986)); // two UTF-16 units, one ISO-8859-1 '?'
    for (int at : new int[] {3, 20, BeakKeyFormat.LENGTH - 2}) {
      String raw = good.substring(0, at) + duck + good.substring(at + 2);
      assertEquals(BeakKeyFormat.LENGTH, raw.length());
      assertNull(BeakKeyFormat.macBodyOf(raw), raw);
    }
  }
}
