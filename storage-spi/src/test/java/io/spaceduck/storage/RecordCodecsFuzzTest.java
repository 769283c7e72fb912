package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzz target (docs/fuzzing.md): every record codec of {@link Codecs} on arbitrary stored bytes. The
 * first input byte picks the codec ({@link #CODECS}, modulo its size), the rest is the stored record.
 * The contract: {@code decode} either refuses with a {@link StorageException} whose message names the
 * record kind, or returns a record that encodes back to exactly the same bytes (one stored form is
 * one record: a garbled row never decodes to a record other than the one its bytes spell; a format-1
 * pending hatch, which older engines wrote, is read and re-encoded as format 2). Any other
 * exception, an {@link OutOfMemoryError} or a hang (the timeout) is a finding.
 */
class RecordCodecsFuzzTest {
  record Named(String name, RecordCodec<?> codec) {}

  /** Every codec a byte-storing backend reads, in a fixed order (the seed corpus depends on it). */
  static final List<Named> CODECS =
      List.of(
          new Named("identity", Codecs.IDENTITY),
          new Named("contact", Codecs.CONTACT),
          new Named("key", Codecs.KEY),
          new Named("bond", Codecs.BOND),
          new Named("certificate", Codecs.CERTIFICATE),
          new Named("hatch", Codecs.HATCH),
          new Named("keyset", Codecs.KEYSET),
          new Named("meta", Codecs.META),
          new Named("peck", Codecs.PECK),
          new Named("standing_rule", Codecs.RULE),
          new Named("block", Codecs.BLOCK),
          new Named("pulse", Codecs.PULSE));

  @FuzzTest
  void decodeRefusesOrRoundTrips(byte[] data) {
    if (data.length == 0) {
      return;
    }
    Named n = CODECS.get(Byte.toUnsignedInt(data[0]) % CODECS.size());
    byte[] stored = Arrays.copyOfRange(data, 1, data.length);
    roundTripOrRefuse(n, stored);
  }

  private static <V> void roundTripOrRefuse(Named n, byte[] stored) {
    @SuppressWarnings("unchecked")
    RecordCodec<V> codec = (RecordCodec<V>) n.codec();
    V value;
    try {
      value = codec.decode(stored);
    } catch (StorageException e) {
      assertTrue(e.getMessage().contains(n.name()), () -> "refusal does not name the " + n.name() + " record: " + e.getMessage());
      return;
    }
    assertNotNull(value, n.name());
    byte[] again = codec.encode(value);
    if (n.codec() == Codecs.HATCH && stored[0] == 1) {
      // a format-1 row (older engines) is read and written back as format 2: one byte longer (the
      // absent blind index), the same record
      assertEquals(2, again[0]);
      assertEquals(stored.length + 1, again.length, "format 1 hatch re-encoded");
      assertEquals(value, codec.decode(again));
      return;
    }
    assertArrayEquals(stored, again, () -> n.name() + " record decoded from bytes that are not its encoding");
  }
}
