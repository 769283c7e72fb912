package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.CorruptAuditEventException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

/**
 * A3/I5 on the MapDB store's stored form ({@link AuditCodec}): every canonical record decodes to the
 * event it was written from, and every other byte string that would decode to an event — a duplicate
 * detail key (a forged value the hash does not cover, before or after the real one), detail keys out
 * of order, a presence byte other than 0/1, an over-long UTF-8 form, trailing bytes — is refused as a
 * {@link CorruptAuditEventException} naming its seq, which {@code verifyAudit} reports as the first
 * broken link.
 */
class AuditCodecCanonicalProperties {

  enum Twist {
    NONE,
    DUPLICATE_KEY_FORGED_FIRST,
    DUPLICATE_KEY_FORGED_LAST,
    KEYS_OUT_OF_ORDER,
    PRESENCE_BYTE_2,
    OVERLONG_UTF8,
    TRAILING_BYTE
  }

  @Property(tries = 300)
  @Tag("A3")
  @Tag("I5")
  @Label("A3/I5 MapDB audit records: the canonical form decodes exactly, every other form is refused with its seq")
  void onlyTheCanonicalRecordDecodes(@ForAll("events") AuditEvent e, @ForAll Twist twist) {
    byte[] canonical = AuditCodec.encode(e);
    assertArrayEquals(canonical, write(e, Twist.NONE), "the test's writer is the codec's format");
    assertEquals(e, AuditCodec.decode(e.seq(), canonical, "test"));
    if (twist == Twist.NONE) {
      return;
    }
    byte[] twisted = write(e, twist);
    CorruptAuditEventException x =
        assertThrows(CorruptAuditEventException.class, () -> AuditCodec.decode(e.seq(), twisted, "test"), twist.toString());
    assertEquals(e.seq(), x.seq());
  }

  /** The format of {@link AuditCodec}, written by hand so that one rule at a time can be broken. */
  static byte[] write(AuditEvent e, Twist twist) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(1);
    out.writeBytes(ByteBuffer.allocate(8).putLong(e.seq()).array());
    str(out, e.action(), false);
    str(out, e.actor(), twist == Twist.OVERLONG_UTF8);
    str(out, e.resource(), false);
    out.write(e.scope().isPresent() ? (twist == Twist.PRESENCE_BYTE_2 ? 2 : 1) : 0);
    e.scope().ifPresent(s -> str(out, s, false));
    out.writeBytes(ByteBuffer.allocate(8).putLong(e.timestamp().toEpochMilli()).array());
    str(out, e.engineVersion(), false);
    str(out, e.reason().code(), false);
    str(out, e.outcome().code(), false);
    List<Map.Entry<String, String>> details = new ArrayList<>(e.details().entrySet());
    switch (twist) {
      case DUPLICATE_KEY_FORGED_FIRST -> details.add(0, Map.entry(details.get(0).getKey(), "forged"));
      case DUPLICATE_KEY_FORGED_LAST -> details.add(1, Map.entry(details.get(0).getKey(), "forged"));
      case KEYS_OUT_OF_ORDER -> details.add(details.remove(0));
      default -> {}
    }
    out.writeBytes(ByteBuffer.allocate(4).putInt(details.size()).array());
    for (Map.Entry<String, String> d : details) {
      str(out, d.getKey(), false);
      str(out, d.getValue(), false);
    }
    out.writeBytes(e.prevHash().toByteArray());
    out.writeBytes(e.hash().toByteArray());
    if (twist == Twist.TRAILING_BYTE) {
      out.write(0);
    }
    return out.toByteArray();
  }

  /** With {@code overlong}, the first character (ASCII in every generated actor) in a 2-byte form. */
  private static void str(ByteArrayOutputStream out, String s, boolean overlong) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (overlong) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      o.write(0xC0 | (b[0] >> 6));
      o.write(0x80 | (b[0] & 0x3F));
      o.write(b, 1, b.length - 1);
      b = o.toByteArray();
    }
    out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
    out.writeBytes(b);
  }

  /**
   * Linked events with a scope and at least two details (every twist has something to break); text
   * of several UTF-8 lengths, actors starting with an ASCII letter.
   */
  @Provide
  Arbitrary<AuditEvent> events() {
    Arbitrary<String> text = Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMaxLength(20),
        Arbitraries.strings().withCharRange('\u0080', '\uD7FF').ofMaxLength(4),
        Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString));
    Arbitrary<String> keys = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789_.").ofMinLength(1).ofMaxLength(12);
    Arbitrary<Map<String, String>> details = Arbitraries.maps(keys, text).ofMinSize(2).ofMaxSize(5);
    return Combinators.combine(text, text, text, details, Arbitraries.longs().between(1, 1L << 40),
            Arbitraries.longs().between(-1L << 40, 1L << 42))
        .as((actor, resource, scope, d, seq, millis) -> AuditChain.link(
            AuditDraft.of("key.revoked", "a" + actor, resource, Optional.of(scope), Instant.ofEpochMilli(millis), "0.1.0",
                ReasonCode.NONE, AuditOutcome.SUCCESS, d),
            seq, Hash.ZERO));
  }
}
