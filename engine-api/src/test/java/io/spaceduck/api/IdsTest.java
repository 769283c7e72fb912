package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The typed ids' hand-written validation accepts exactly the language of the regular expressions it
 * replaced: {@code <prefix>[a-z2-7]{16,40}} for prefixed ids, {@code [a-z2-7]{16}} for key ids.
 */
class IdsTest {
  private static final Pattern PREFIXED = Pattern.compile("[a-z2-7]{16,40}");
  private static final Pattern KEY_ID = Pattern.compile("[a-z2-7]{16}");

  @Property(tries = 2000)
  @Label("a prefixed id is valid exactly when the old regex matched its body")
  void prefixedId_validExactlyWhenTheRegexMatches(@ForAll("idLike") String body) {
    Statistics.label("valid").collect(PREFIXED.matcher(body).matches());
    for (String prefix : new String[] {DucklingId.PREFIX, AgentId.PREFIX, BondId.PREFIX}) {
      String value = prefix + body;
      assertEquals(PREFIXED.matcher(body).matches(), Ids.valid(value, prefix), value);
    }
    assertEquals(PREFIXED.matcher(body).matches(), DucklingId.isValid(DucklingId.PREFIX + body));
    // a body without its prefix, or under another type's prefix, is never valid
    assertEquals(false, DucklingId.isValid(body));
    assertEquals(false, DucklingId.isValid(AgentId.PREFIX + body));
    Statistics.label("valid").coverage(c -> c.check(true).count(n -> n > 0));
  }

  @Property(tries = 2000)
  @Label("a key id is valid exactly when the old regex matched it")
  void keyId_validExactlyWhenTheRegexMatches(@ForAll("idLike") String value) {
    boolean expected = KEY_ID.matcher(value).matches();
    Statistics.label("valid").collect(expected);
    assertEquals(expected, KeyId.isValid(value), value);
    if (!expected) {
      assertThrows(IllegalArgumentException.class, () -> new KeyId(value));
    } else {
      assertEquals(value, new KeyId(value).value());
    }
    Statistics.label("valid").coverage(c -> c.check(true).count(n -> n > 0));
  }

  @Example
  void boundaries() {
    assertEquals(false, BondId.isValid("bd_" + "a".repeat(15)));
    assertEquals(true, BondId.isValid("bd_" + "a".repeat(16)));
    assertEquals(true, BondId.isValid("bd_" + "7".repeat(40)));
    assertEquals(false, BondId.isValid("bd_" + "a".repeat(41)));
    assertEquals(false, BondId.isValid("bd_" + "a".repeat(15) + "1"));
    assertEquals(false, BondId.isValid("bd_" + "a".repeat(15) + "A"));
    assertEquals(false, BondId.isValid(null));
    assertThrows(NullPointerException.class, () -> new BondId(null));
    assertThrows(IllegalArgumentException.class, () -> new BondId("bd_" + "a".repeat(15) + "é"));
  }

  /** Mostly base32, sometimes a neighbouring or non-ASCII character, lengths around the bounds. */
  @Provide
  Arbitrary<String> idLike() {
    Arbitrary<Character> chars =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(60, Arbitraries.chars().with("abcdefghijklmnopqrstuvwxyz234567".toCharArray())),
            net.jqwik.api.Tuple.of(1, Arbitraries.chars().with('0', '1', '8', '9', 'A', 'Z', '_', '`', '{', 'é', '\u0662')),
            net.jqwik.api.Tuple.of(1, Arbitraries.chars()));
    Arbitrary<Integer> lengths =
        Arbitraries.oneOf(Arbitraries.of(15, 16, 17, 39, 40, 41), Arbitraries.integers().between(0, 44));
    return lengths.flatMap(n -> chars.list().ofSize(n)).map(l -> {
      StringBuilder b = new StringBuilder();
      l.forEach(b::append);
      return b.toString();
    });
  }
}
