package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8#encode}'s fast path (a surrogate scan, then {@link String#getBytes}) gives exactly what the
 * JDK's strict encoder gives, for any string — lone high or low surrogates, reversed pairs, pairs at
 * either end, supplementary characters and plain ASCII alike.
 */
class Utf8Properties {

  @Provide
  Arbitrary<String> anyText() {
    Arbitrary<Character> chars = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, Arbitraries.chars().ascii()),
        net.jqwik.api.Tuple.of(2, Arbitraries.chars().range('\u0080', '\uD7FF')),
        net.jqwik.api.Tuple.of(2, Arbitraries.chars().range('\uD800', '\uDFFF')), // surrogates, paired or not
        net.jqwik.api.Tuple.of(1, Arbitraries.chars().range('\uE000', '\uFFFF')));
    return chars.list().ofMaxSize(24).map(l -> {
      StringBuilder b = new StringBuilder();
      l.forEach(b::append);
      return b.toString();
    });
  }

  @Property(tries = 2000)
  void fastPathAgreesWithTheStrictEncoder(@ForAll("anyText") String s) {
    Optional<byte[]> fast = Utf8.encode(s);
    Optional<byte[]> strict = strict(s);
    assertEquals(strict.isPresent(), fast.isPresent(), "well-formed or not: " + s.chars().mapToObj(Integer::toHexString).toList());
    strict.ifPresent(b -> assertArrayEquals(b, fast.orElseThrow()));
  }

  /** The JDK's strict encoder: what the JDBC store's text encoding did before the fast path. */
  private static Optional<byte[]> strict(String s) {
    try {
      ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(s));
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return Optional.of(out);
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  @Test
  void unpairedSurrogatesHaveNoUtf8Form() {
    for (String bad : new String[] {"\uD800", "\uDC00", "a\uD800", "\uDC00\uD800", "\uD800a\uDC00", "x\uDBFF"}) {
      assertEquals(Optional.empty(), Utf8.encode(bad), bad.chars().mapToObj(Integer::toHexString).toList().toString());
    }
    assertArrayEquals(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0xA6, (byte) 0x86}, Utf8.encode("\uD83E\uDD86").orElseThrow()); // 🦆
  }
}
