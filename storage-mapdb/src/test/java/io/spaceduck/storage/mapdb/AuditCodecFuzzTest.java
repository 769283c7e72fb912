package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.CorruptAuditEventException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Fuzz target (docs/fuzzing.md): the MapDB audit record decoder ({@link AuditCodec#decodeRecord},
 * {@link AuditCodec#node}: format 4, the event's encoding followed by the tree nodes its leaf completes)
 * on arbitrary stored bytes. The first input byte is the position the store asks for: even, the seq the
 * record itself names (bytes 1–8 of the record); odd, the one after it. The rest is the stored record.
 *
 * <p>The contract (A3): the bytes decode to an event at that seq and its {@code nodesOf(seq)} nodes,
 * which store back to exactly the same bytes (one stored form is one event, so a forged record cannot
 * hash like another, and no node can hide in a length the seq does not give), or they are refused with
 * a {@link CorruptAuditEventException} at that seq whose message names the seq and the file. Never
 * another exception, an {@link OutOfMemoryError} or a hang.
 */
class AuditCodecFuzzTest {
  @FuzzTest
  void decodeRefusesOrRoundTrips(byte[] data) {
    if (data.length == 0) {
      return;
    }
    byte[] stored = Arrays.copyOfRange(data, 1, data.length);
    long named = stored.length >= 9 ? ByteBuffer.wrap(stored, 1, 8).getLong() : 1;
    long seq = (data[0] & 1) == 0 ? named : named + 1;
    AuditEvent e;
    try {
      e = AuditCodec.decodeRecord(seq, stored, "fuzz.db");
    } catch (CorruptAuditEventException refused) {
      assertEquals(seq, refused.seq());
      assertTrue(refused.getMessage().contains("seq " + seq) && refused.getMessage().contains("fuzz.db"), refused.getMessage());
      return;
    }
    assertEquals(seq, e.seq());
    Hash[] nodes = new Hash[AuditCodec.nodesOf(seq)];
    for (int level = 1; level <= nodes.length; level++) {
      nodes[level - 1] = AuditCodec.node(seq, stored, level, "fuzz.db");
    }
    assertArrayEquals(stored, AuditCodec.record(AuditCodec.encode(e), nodes), "an audit record decoded from bytes that are not its record");
  }
}
