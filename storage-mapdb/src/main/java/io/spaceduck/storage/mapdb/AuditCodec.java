package io.spaceduck.storage.mapdb;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.CorruptAuditEventException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The stored form of an {@link AuditEvent} in the {@code audit} map: every field, including {@code
 * prev_hash} and {@code hash}, so that a read returns the event exactly as linked and {@code
 * verifyAudit} can recompute and compare the hash.
 *
 * <pre>
 * u8 format (1) | u64 seq | str action | str actor | str resource | u8 has-scope [str scope]
 * | i64 timestamp (epoch millis) | str engine_version | str reason | str outcome
 * | u32 n | n × (str key | str value) | 32 bytes prev_hash | 32 bytes hash
 * str = u32 length | UTF-8 bytes (decoded strictly)
 * </pre>
 *
 * <p><b>The stored record</b> (format 4) is those bytes followed by the audit tree's nodes the event's
 * leaf completes ({@link TreeEdge#append}): {@code k × 32 bytes}, levels {@code 1 … k} in that order,
 * {@code k} = {@link #nodesOf nodesOf(seq)}, the trailing zeros of the seq — so the seq alone says where
 * the event ends, and no length field can disagree with it. The node {@code (level, index)} is in the
 * record of seq {@code (index + 1) · 2^level}, the event that completed it ({@link #node}).
 *
 * <p>Decoding accepts only what {@link #encode} writes, so that one stored form means one event:
 * strict UTF-8 (no over-long form, no encoded surrogate), a presence byte of 0 or 1, detail keys
 * strictly ascending (no duplicate: a forged second value would otherwise replace or hide behind the
 * first), no trailing bytes. Anything else is a {@link CorruptAuditEventException}, which {@code
 * verifyAudit} reports as the broken link at that seq (A3).
 *
 * Stateless and thread-safe.
 */
final class AuditCodec {
  private AuditCodec() {}

  private static final byte FORMAT = 1;

  /**
   * @throws IllegalArgumentException if the event's timestamp does not fit epoch milliseconds
   */
  static byte[] encode(AuditEvent e) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    DataOutputStream out = new DataOutputStream(bytes);
    try {
      out.writeByte(FORMAT);
      out.writeLong(e.seq());
      str(out, e.action());
      str(out, e.actor());
      str(out, e.resource());
      out.writeBoolean(e.scope().isPresent());
      if (e.scope().isPresent()) {
        str(out, e.scope().get());
      }
      out.writeLong(e.timestamp().toEpochMilli());
      str(out, e.engineVersion());
      str(out, e.reason().code());
      str(out, e.outcome().code());
      out.writeInt(e.details().size());
      for (Map.Entry<String, String> d : e.details().entrySet()) {
        str(out, d.getKey());
        str(out, d.getValue());
      }
      out.write(e.prevHash().toByteArray());
      out.write(e.hash().toByteArray());
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    } catch (ArithmeticException ex) {
      throw new IllegalArgumentException("audit timestamp out of range", ex);
    }
    return bytes.toByteArray();
  }

  /** How many tree nodes the record of {@code seq} (at least 1) carries: the trailing zeros of {@code seq}. */
  static int nodesOf(long seq) {
    return Long.numberOfTrailingZeros(seq);
  }

  /** The stored record: the event's {@link #encode encoding}, then {@code nodes} (levels 1 … k). */
  static byte[] record(byte[] event, Hash[] nodes) {
    byte[] out = Arrays.copyOf(event, event.length + nodes.length * Hash.LENGTH);
    for (int i = 0; i < nodes.length; i++) {
      nodes[i].copyTo(out, event.length + i * Hash.LENGTH);
    }
    return out;
  }

  /**
   * The event of a stored record (its tree nodes skipped).
   *
   * @throws CorruptAuditEventException if {@code record} is not the canonical record of an event at
   *     {@code seq}
   */
  static AuditEvent decodeRecord(long seq, byte[] record, String file) {
    return decode(seq, record, eventLength(seq, record, file), file);
  }

  /**
   * The tree node of {@code level} ({@code 1 … nodesOf(seq)}) kept in the record of {@code seq}.
   *
   * @throws CorruptAuditEventException if the record is too short to hold its nodes
   */
  static Hash node(long seq, byte[] record, int level, String file) {
    int k = nodesOf(seq);
    if (level < 1 || level > k) {
      throw new IllegalArgumentException("the record of seq " + seq + " holds no node of level " + level);
    }
    int at = eventLength(seq, record, file) + (level - 1) * Hash.LENGTH;
    return Hash.of(Arrays.copyOfRange(record, at, at + Hash.LENGTH));
  }

  private static int eventLength(long seq, byte[] record, String file) {
    if (seq < 1) {
      throw new CorruptAuditEventException(seq, "corrupt audit event at seq " + seq + " in " + file, new IOException("no such seq"));
    }
    int length = record.length - nodesOf(seq) * Hash.LENGTH;
    if (length < 1) {
      throw new CorruptAuditEventException(
          seq, "corrupt audit event at seq " + seq + " in " + file, new IOException("record shorter than its tree nodes"));
    }
    return length;
  }

  /**
   * @throws CorruptAuditEventException if {@code bytes} are not the canonical encoding of an event at
   *     {@code seq}
   */
  static AuditEvent decode(long seq, byte[] bytes, String file) {
    return decode(seq, bytes, bytes.length, file);
  }

  /** As {@link #decode(long, byte[], String)}, of the first {@code length} bytes. */
  private static AuditEvent decode(long seq, byte[] bytes, int length, String file) {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, length));
    try {
      if (in.readByte() != FORMAT) {
        throw new IOException("unknown audit record format");
      }
      long storedSeq = in.readLong();
      if (storedSeq != seq) {
        throw new IOException("audit record holds seq " + storedSeq);
      }
      String action = str(in);
      String actor = str(in);
      String resource = str(in);
      Optional<String> scope = presence(in) ? Optional.of(str(in)) : Optional.empty();
      Instant timestamp = Instant.ofEpochMilli(in.readLong());
      String engineVersion = str(in);
      ReasonCode reason = ReasonCode.of(str(in));
      AuditOutcome outcome = AuditOutcome.fromCode(str(in));
      int n = in.readInt();
      if (n < 0 || n > in.available()) {
        throw new IOException("bad detail count");
      }
      TreeMap<String, String> details = new TreeMap<>();
      String previous = null;
      for (int i = 0; i < n; i++) {
        String key = str(in);
        // keys are ASCII (AuditEvent checks), so String order is the byte order encode writes
        if (previous != null && key.compareTo(previous) <= 0) {
          throw new IOException(key.equals(previous) ? "duplicate detail key" : "detail keys out of order");
        }
        details.put(key, str(in));
        previous = key;
      }
      Hash prev = Hash.of(in.readNBytes(Hash.LENGTH));
      Hash hash = Hash.of(in.readNBytes(Hash.LENGTH));
      if (in.available() != 0) {
        throw new IOException("trailing bytes");
      }
      return new AuditEvent(
          seq, action, actor, resource, scope, timestamp, engineVersion, reason, outcome, details, prev, hash);
    } catch (IOException | RuntimeException ex) {
      throw new CorruptAuditEventException(seq, "corrupt audit event at seq " + seq + " in " + file, ex);
    }
  }

  private static boolean presence(DataInputStream in) throws IOException {
    byte b = in.readByte();
    if (b != 0 && b != 1) {
      throw new IOException("presence byte is neither 0 nor 1");
    }
    return b == 1;
  }

  private static void str(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String str(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("bad string length");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(in.readNBytes(n))).toString();
    } catch (CharacterCodingException ex) {
      throw new IOException("malformed UTF-8", ex);
    }
  }
}
