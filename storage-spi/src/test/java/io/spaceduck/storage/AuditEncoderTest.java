package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fast encoder against the straightforward one it replaced: same bytes, same hash, for any event
 * a store can hold — so the published format (docs/audit-format.md) has not moved by one byte.
 */
class AuditEncoderTest {

  /** The reference: the plain encoding as first written, one stream and one array per value. */
  static byte[] referenceEncoding(AuditEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("SDA1".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(ByteBuffer.allocate(8).putLong(e.seq()).array());
    out.writeBytes(e.prevHash().toByteArray());
    referenceString(out, e.action());
    referenceString(out, e.actor());
    referenceString(out, e.resource());
    if (e.scope().isPresent()) {
      out.write(1);
      referenceString(out, e.scope().get());
    } else {
      out.write(0);
    }
    out.writeBytes(ByteBuffer.allocate(8).putLong(e.timestamp().toEpochMilli()).array());
    referenceString(out, e.engineVersion());
    referenceString(out, e.reason().code());
    referenceString(out, e.outcome().code());
    out.writeBytes(ByteBuffer.allocate(4).putInt(e.details().size()).array());
    for (Map.Entry<String, String> d : e.details().entrySet()) {
      referenceString(out, d.getKey());
      referenceString(out, d.getValue());
    }
    return out.toByteArray();
  }

  private static void referenceString(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
    out.writeBytes(b);
  }

  static Hash referenceHash(AuditEvent e) {
    try {
      return Hash.of(MessageDigest.getInstance("SHA-256").digest(referenceEncoding(e)));
    } catch (NoSuchAlgorithmException x) {
      throw new AssertionError(x);
    }
  }

  @Property
  @Label("A1 the encoder writes the reference bytes and hash of any event")
  void encodingEqualsTheReference(@ForAll("events") AuditEvent e) {
    byte[] expected = referenceEncoding(e);
    assertArrayEquals(expected, AuditChain.canonicalBytes(e));
    assertEquals(referenceHash(e), AuditChain.computeHash(e));
  }

  @Property
  @Label("A1 one encoder reused over many events leaves nothing of the one before")
  void reusedEncoderEqualsTheReference(@ForAll @Size(max = 12) List<@From("events") AuditEvent> events) {
    // a tiny start, so that growth happens in the middle of a sequence too
    AuditEncoder encoder = new AuditEncoder(8);
    for (AuditEvent e : events) {
      encoder.encode(e);
      byte[] expected = referenceEncoding(e);
      assertEquals(expected.length, encoder.length());
      assertArrayEquals(expected, encoder.toByteArray());
      assertTrue(referenceHash(e).contentEquals(encoder.digest()));
    }
  }

  @Property
  @Label("A1 link hashes a well-formed draft as the reference does")
  void linkEqualsTheReference(@ForAll("wellFormedEvents") AuditEvent e) {
    AuditEvent linked = AuditChain.link(AuditChain.draftOf(e), e.seq(), e.prevHash());
    assertEquals(referenceHash(e), linked.hash());
    assertArrayEquals(referenceEncoding(e), AuditChain.canonicalBytes(linked));
  }

  @Property
  @Label("A3 verify accepts a chain hashed by the reference and finds a changed hash")
  void verifyAgreesWithTheReference(
      @ForAll @Size(min = 1, max = 8) List<@From("events") AuditEvent> drafts,
      @ForAll("indexes") int tamperAt) {
    List<AuditEvent> chain = new ArrayList<>();
    Hash prev = Hash.ZERO;
    for (AuditEvent d : drafts) {
      AuditEvent placed = withLink(d, chain.size() + 1L, prev, Hash.ZERO);
      AuditEvent e = withLink(placed, placed.seq(), prev, referenceHash(placed));
      chain.add(e);
      prev = e.hash();
    }
    AuditVerification ok = AuditChain.verify(chain.iterator(), Optional.of(chain.get(chain.size() - 1).head()));
    assertTrue(ok.valid());
    assertEquals(chain.size(), ok.eventsVerified());

    int i = tamperAt % chain.size();
    AuditEvent victim = chain.get(i);
    byte[] flipped = victim.hash().toByteArray();
    flipped[31] ^= 1;
    chain.set(i, withLink(victim, victim.seq(), victim.prevHash(), Hash.of(flipped)));
    AuditVerification broken = AuditChain.verify(chain.iterator(), Optional.empty());
    assertFalse(broken.valid());
    assertEquals(victim.seq(), broken.firstBrokenSeq().getAsLong());
  }

  @Test
  @Tag("A1")
  void bufferGrowsForMegabytesOfDetailsAndShrinksBackToASmallEvent() {
    // the longest values a detail may hold, a thousand of them, half in 3-byte UTF-8 chars, and a
    // 200,000-char action of 4-byte characters: over 2 MiB, grown from an empty buffer
    TreeMap<String, String> details = new TreeMap<>();
    for (int i = 0; i < 1024; i++) {
      details.put("k" + i, (i % 2 == 0 ? "\u20AC" : "a").repeat(1024));
    }
    AuditEvent big = event(7, "\uD83E\uDD86".repeat(100_000), Optional.of("x"), details);
    AuditEvent small = event(8, "key.revoked", Optional.empty(), Map.of());

    AuditEncoder encoder = new AuditEncoder(0);
    byte[] expectedBig = referenceEncoding(big);
    assertTrue(expectedBig.length > 2 * 1024 * 1024, "the event is over 2 MiB");
    encoder.encode(big);
    assertArrayEquals(expectedBig, encoder.toByteArray());
    assertTrue(referenceHash(big).contentEquals(encoder.digest()));
    assertTrue(encoder.capacity() >= expectedBig.length);

    encoder.encode(small);
    assertArrayEquals(referenceEncoding(small), encoder.toByteArray());
    assertTrue(referenceHash(small).contentEquals(encoder.digest()));

    assertArrayEquals(expectedBig, AuditChain.canonicalBytes(big));
    assertEquals(referenceHash(big), AuditChain.computeHash(big));
  }

  @Test
  @Tag("A1")
  void unpairedSurrogatesInAStoredEventEncodeAsGetBytesDoes() {
    // drafts refuse them, but a stored event may still carry one: verify must hash it as before
    for (String s : List.of("\uD800", "\uDFFF", "a\uDC00b", "\uDC00\uD800", "\uD83E", "x\uD83E\uDD86\uD83E")) {
      AuditEvent e = event(1, s, Optional.of(s), Map.of("k", s));
      assertArrayEquals(referenceEncoding(e), AuditChain.canonicalBytes(e), s);
      assertEquals(referenceHash(e), AuditChain.computeHash(e));
    }
  }

  private static AuditEvent event(long seq, String action, Optional<String> scope, Map<String, String> details) {
    return new AuditEvent(seq, action, "dk_a", "r", scope, Instant.EPOCH, "0.1.0", ReasonCode.NONE,
        AuditOutcome.SUCCESS, new TreeMap<>(details), Hash.ZERO, Hash.ZERO);
  }

  private static AuditEvent withLink(AuditEvent e, long seq, Hash prev, Hash hash) {
    return new AuditEvent(seq, e.action(), e.actor(), e.resource(), e.scope(), e.timestamp(), e.engineVersion(),
        e.reason(), e.outcome(), e.details(), prev, hash);
  }

  @Provide
  Arbitrary<Integer> indexes() {
    return Arbitraries.integers().between(0, 1000);
  }

  @Provide
  Arbitrary<AuditEvent> events() {
    return events(text(true));
  }

  @Provide
  Arbitrary<AuditEvent> wellFormedEvents() {
    return events(text(false));
  }

  private static Arbitrary<AuditEvent> events(Arbitrary<String> text) {
    Arbitrary<Long> seqs = Arbitraries.longs().between(1, Long.MAX_VALUE);
    Arbitrary<Instant> times = Arbitraries.longs().map(Instant::ofEpochMilli);
    Arbitrary<Hash> hashes = Arbitraries.bytes().array(byte[].class).ofSize(Hash.LENGTH).map(Hash::of);
    Arbitrary<ReasonCode> reasons =
        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789_").ofMinLength(1).ofMaxLength(40)
            .map(ReasonCode::of);
    Arbitrary<String> keys =
        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789_.").ofMinLength(1).ofMaxLength(64);
    Arbitrary<Map<String, String>> details =
        Arbitraries.oneOf(Arbitraries.just(Map.of()), Arbitraries.maps(keys, text).ofMaxSize(6));
    Arbitrary<Optional<String>> scopes = Arbitraries.oneOf(Arbitraries.just(Optional.empty()), text.map(Optional::of));
    Arbitrary<Tuple.Tuple6<String, String, String, Optional<String>, String, ReasonCode>> head =
        Combinators.combine(text, text, text, scopes, text, reasons).as(Tuple::of);
    return Combinators.combine(head, seqs, times, Arbitraries.of(AuditOutcome.class), details, hashes, hashes)
        .as((h, seq, at, outcome, d, prev, hash) -> new AuditEvent(seq, h.get1(), h.get2(), h.get3(), h.get4(), at,
            h.get5(), h.get6(), outcome, new TreeMap<>(d), prev, hash));
  }

  /** Text of every kind the encoder treats differently; lone surrogates only if asked. */
  private static Arbitrary<String> text(boolean loneSurrogates) {
    List<Tuple.Tuple2<Integer, Arbitrary<String>>> pieces = new ArrayList<>(List.of(
        Tuple.of(6, Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(12)),
        Tuple.of(2, Arbitraries.strings().withCharRange('\u0080', '\u07FF').ofMinLength(1).ofMaxLength(3)),
        Tuple.of(2, Arbitraries.strings().withCharRange('\u0800', '\uD7FF').ofMinLength(1).ofMaxLength(3)),
        Tuple.of(1, Arbitraries.strings().withCharRange('\uE000', '\uFFFF').ofMinLength(1).ofMaxLength(3)),
        // supplementary characters: a proper surrogate pair
        Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString)),
        Tuple.of(1, Arbitraries.of("\u0000", "\u007F", "\u0080", "\u07FF", "\u0800", "\uFFFF", "\uD83E\uDD86"))));
    if (loneSurrogates) {
      pieces.add(Tuple.of(2, Arbitraries.chars().range('\uD800', '\uDFFF').map(String::valueOf)));
    }
    @SuppressWarnings({"unchecked", "rawtypes"})
    Arbitrary<String> piece = Arbitraries.frequencyOf(pieces.toArray(new Tuple.Tuple2[0]));
    return Arbitraries.oneOf(
        Arbitraries.just(""),
        piece.list().ofMaxSize(16).map(l -> String.join("", l)),
        Arbitraries.strings().ascii().ofMaxLength(200))
        .filter(s -> s.length() <= 1024);
  }
}
