package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fast encoder against the straightforward one it replaced ({@link AuditReference}): same bytes,
 * same hash, for any event a store can hold — so the published format (docs/audit-format.md) has not
 * moved by one byte.
 */
class AuditEncoderTest {

  @Property
  @Label("A1 the encoder writes the reference bytes and hash of any well-formed event")
  void encodingEqualsTheReference(@ForAll("events") AuditEvent e) {
    assertArrayEquals(AuditReference.encoding(e), AuditChain.canonicalBytes(e));
    assertEquals(AuditReference.hash(e), AuditChain.computeHash(e));
  }

  @Property
  @Label("A1 one encoder reused over many events leaves nothing of the one before")
  void reusedEncoder_equalsTheReferenceForEveryEvent(@ForAll @Size(max = 12) List<@From("events") AuditEvent> events) {
    // a tiny start, so that growth happens in the middle of a sequence too
    AuditEncoder encoder = new AuditEncoder(8);
    for (AuditEvent e : events) {
      encoder.encode(e);
      byte[] expected = AuditReference.encoding(e);
      assertEquals(expected.length, encoder.length());
      assertArrayEquals(expected, encoder.toByteArray());
      assertTrue(AuditReference.hash(e).contentEquals(encoder.digest()));
    }
  }

  @Test
  @Tag("A1")
  void buffer_growsForMegabytesOfDetails_thenEncodesASmallEventExactly() {
    // the longest values a detail may hold, a thousand of them, half in 3-byte UTF-8 chars, and a
    // 200,000-char action of 4-byte characters: over 2 MiB, grown from an empty buffer
    TreeMap<String, String> details = new TreeMap<>();
    for (int i = 0; i < 1024; i++) {
      details.put("k" + i, (i % 2 == 0 ? "\u20AC" : "a").repeat(1024));
    }
    AuditEvent big = event("\uD83E\uDD86".repeat(100_000), Optional.of("x"), details);
    AuditEvent small = event("key.revoked", Optional.empty(), Map.of());

    AuditEncoder encoder = new AuditEncoder(0);
    byte[] expectedBig = AuditReference.encoding(big);
    assertTrue(expectedBig.length > 2 * 1024 * 1024, "the event is over 2 MiB");
    encoder.encode(big);
    assertArrayEquals(expectedBig, encoder.toByteArray());
    assertTrue(AuditReference.hash(big).contentEquals(encoder.digest()));
    assertTrue(encoder.capacity() >= expectedBig.length);

    encoder.encode(small);
    assertArrayEquals(AuditReference.encoding(small), encoder.toByteArray());
    assertTrue(AuditReference.hash(small).contentEquals(encoder.digest()));

    assertArrayEquals(expectedBig, AuditChain.canonicalBytes(big));
    assertEquals(AuditReference.hash(big), AuditChain.computeHash(big));
  }

  @Test
  @Tag("A3")
  void unpairedSurrogates_haveNoEncoding() {
    // drafts refuse them; a stored event that carries one anyway would, through getBytes(UTF_8), hash
    // like the event with '?' in its place: it has no canonical encoding, and verify reports it
    for (String s : List.of("\uD800", "\uDFFF", "a\uDC00b", "\uDC00\uD800", "\uD83E", "x\uD83E\uDD86\uD83E")) {
      for (AuditEvent e : List.of(
          event(s, Optional.empty(), Map.of()), event("a", Optional.of(s), Map.of()), event("a", Optional.empty(), Map.of("k", s)))) {
        assertThrows(IllegalArgumentException.class, () -> AuditChain.canonicalBytes(e), s);
        assertThrows(IllegalArgumentException.class, () -> AuditChain.computeHash(e), s);
      }
    }
    // a proper pair is well-formed and encodes as the reference does
    AuditEvent pair = event("x\uD83E\uDD86", Optional.of("\uD83E\uDD86"), Map.of("k", "\uD83E\uDD86"));
    assertArrayEquals(AuditReference.encoding(pair), AuditChain.canonicalBytes(pair));
  }

  @Test
  @Tag("A3")
  void subMillisecondTimestamp_hasNoEncoding() {
    AuditEvent e = new AuditEvent(7, "a", "dk_a", "r", Optional.empty(), Instant.EPOCH.plusNanos(1), "0.1.0",
        ReasonCode.NONE, AuditOutcome.SUCCESS, new TreeMap<>(), Hash.ZERO, Hash.ZERO);
    assertThrows(IllegalArgumentException.class, () -> AuditChain.computeHash(e));
  }

  private static AuditEvent event(String action, Optional<String> scope, Map<String, String> details) {
    return new AuditEvent(7, action, "dk_a", "r", scope, Instant.EPOCH, "0.1.0", ReasonCode.NONE,
        AuditOutcome.SUCCESS, new TreeMap<>(details), Hash.ZERO, Hash.ZERO);
  }

  @Provide
  Arbitrary<AuditEvent> events() {
    return AuditReference.wellFormedEvents();
  }
}
