package io.spaceduck.server.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;

/** The recipient check of {@link SmtpVerificationDelivery}: whatever passes is one plain address. */
@Tag("H2")
class SmtpRecipientProperties {
  private static final String FORBIDDEN = "\r\n\t \u0000\u007f,;<>\"()[]\\:@\u0085\u2028\u00e9";

  @Provide
  Arbitrary<String> plainAddresses() {
    Arbitrary<String> local = Arbitraries.strings().withChars("abcxyz0189.+_-").ofMinLength(1).ofMaxLength(20)
        .filter(s -> !s.startsWith(".") && !s.endsWith(".") && !s.contains(".."));
    Arbitrary<String> label = Arbitraries.strings().withChars("abcdefxyz0129").ofMinLength(1).ofMaxLength(12);
    return Combinators.combine(local, label, label).as((l, a, b) -> l + "@" + a + "." + b);
  }

  @Property
  @Label("a plain address passes unchanged")
  void plainAddress_passes(@ForAll("plainAddresses") String address) {
    assertNotNull(SmtpVerificationDelivery.recipient(address), address);
    assertEquals(address, SmtpVerificationDelivery.recipient(address).getAddress());
  }

  @Property
  @Label("one forbidden character anywhere (CR, LF, space, comma, bracket, quote, a second @, non-ASCII) is refused")
  void forbiddenCharacter_anywhere_isRefused(
      @ForAll("plainAddresses") String address,
      @ForAll("forbidden") char bad,
      @ForAll @IntRange(min = 0, max = 100) int percent) {
    int at = percent * address.length() / 100;
    String hostile = address.substring(0, at) + bad + address.substring(at);
    assertNull(SmtpVerificationDelivery.recipient(hostile), hostile);
  }

  @Property
  @Label("whatever text passes is printable ASCII with exactly one @")
  void anythingThatPasses_isPrintableAsciiWithOneAt(@ForAll String text) {
    if (SmtpVerificationDelivery.recipient(text) != null) {
      assertTrue(text.chars().allMatch(c -> c > 0x20 && c < 0x7f), text);
      assertEquals(1, text.chars().filter(c -> c == '@').count(), text);
    }
  }

  @Provide
  Arbitrary<Character> forbidden() {
    return Arbitraries.of(FORBIDDEN.chars().mapToObj(c -> (char) c).toArray(Character[]::new));
  }
}
