package io.spaceduck.storage;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
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
import net.jqwik.api.Tuple;

/**
 * The audit encoding as first written — one stream and one array per value, obviously the format of
 * docs/audit-format.md — kept as the reference the fast encoder must match byte for byte, and
 * generators of events of every shape a store can hold.
 */
final class AuditReference {
  private AuditReference() {}

  static byte[] encoding(AuditEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("SDA1".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(ByteBuffer.allocate(8).putLong(e.seq()).array());
    out.writeBytes(e.prevHash().toByteArray());
    string(out, e.action());
    string(out, e.actor());
    string(out, e.resource());
    if (e.scope().isPresent()) {
      out.write(1);
      string(out, e.scope().get());
    } else {
      out.write(0);
    }
    out.writeBytes(ByteBuffer.allocate(8).putLong(e.timestamp().toEpochMilli()).array());
    string(out, e.engineVersion());
    string(out, e.reason().code());
    string(out, e.outcome().code());
    out.writeBytes(ByteBuffer.allocate(4).putInt(e.details().size()).array());
    for (Map.Entry<String, String> d : e.details().entrySet()) {
      string(out, d.getKey());
      string(out, d.getValue());
    }
    return out.toByteArray();
  }

  private static void string(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
    out.writeBytes(b);
  }

  static Hash hash(AuditEvent e) {
    try {
      return Hash.of(MessageDigest.getInstance("SHA-256").digest(encoding(e)));
    } catch (NoSuchAlgorithmException x) {
      throw new AssertionError(x);
    }
  }

  /** {@code e} at another place in a chain, or with another hash. */
  static AuditEvent withLink(AuditEvent e, long seq, Hash prev, Hash hash) {
    return new AuditEvent(seq, e.action(), e.actor(), e.resource(), e.scope(), e.timestamp(), e.engineVersion(),
        e.reason(), e.outcome(), e.details(), prev, hash);
  }

  /** Any event an {@link AuditEvent} may hold, unpaired surrogates included (only drafts refuse them). */
  static Arbitrary<AuditEvent> events() {
    return events(text(true));
  }

  /** Events whose text is well-formed Unicode, as {@link AuditDraft} demands. */
  static Arbitrary<AuditEvent> wellFormedEvents() {
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

  /** Text of every kind the encoder treats differently: ASCII, 2-, 3- and 4-byte UTF-8, empty. */
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
        // AuditEvent's limit for detail values; the other fields take it too
        .filter(s -> s.length() <= 1024);
  }
}
