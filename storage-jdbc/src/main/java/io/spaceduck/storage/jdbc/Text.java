package io.spaceduck.storage.jdbc;

import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Utf8;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How the JDBC store puts text and instants into columns: text as strict UTF-8 bytes (equality is then
 * exact on every dialect), pulse instants as epoch nanoseconds in a {@code DECIMAL(30,0)}, audit
 * details as a length-prefixed list. Stateless.
 */
final class Text {
  private Text() {}

  /** Longest key or index key, in UTF-8 bytes (the column width on MariaDB and H2). */
  static final int MAX_KEY_BYTES = 512;

  /** Longest audit actor, resource, scope, action, version, reason, in UTF-8 bytes. */
  static final int MAX_AUDIT_FIELD_BYTES = 1024;

  private static final BigInteger NANOS = BigInteger.valueOf(1_000_000_000L);

  /** A key for a read: empty when no stored key can equal it (malformed or too long). */
  static Optional<byte[]> readKey(String key) {
    return Utf8.encode(key).filter(b -> b.length <= MAX_KEY_BYTES);
  }

  /**
   * A key for a write.
   *
   * @throws IllegalArgumentException if malformed or longer than {@value #MAX_KEY_BYTES} bytes
   */
  static byte[] writeKey(String key, String what) {
    byte[] b = Utf8.encode(key).orElseThrow(() -> new IllegalArgumentException(what + " is not well-formed Unicode"));
    if (b.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(what + " is longer than " + MAX_KEY_BYTES + " UTF-8 bytes");
    }
    return b;
  }

  /** An audit field for a write, bounded like {@link #writeKey}. */
  static byte[] auditField(String value, String what) {
    byte[] b = Utf8.encode(value).orElseThrow(() -> new IllegalArgumentException("audit " + what + " is not well-formed Unicode"));
    if (b.length > MAX_AUDIT_FIELD_BYTES) {
      throw new IllegalArgumentException("audit " + what + " is longer than " + MAX_AUDIT_FIELD_BYTES + " UTF-8 bytes");
    }
    return b;
  }

  /** Strict decoding. */
  static String decode(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  /** An instant as epoch nanoseconds: exact and ordered for every {@link Instant}. */
  static BigDecimal atKey(Instant at) {
    return new BigDecimal(BigInteger.valueOf(at.getEpochSecond()).multiply(NANOS).add(BigInteger.valueOf(at.getNano())));
  }

  /** Whole epoch milliseconds, saturating instead of overflowing. */
  static long millisFloor(Instant t) {
    try {
      return t.toEpochMilli();
    } catch (ArithmeticException e) {
      return t.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** The smallest whole millisecond not before {@code t} (saturating). */
  static long millisCeil(Instant t) {
    long floor = millisFloor(t);
    boolean exact = t.getNano() % 1_000_000 == 0;
    return exact || floor == Long.MAX_VALUE || floor == Long.MIN_VALUE ? floor : floor + 1;
  }

  /** {@code u32 n | n × (u32 len | key UTF-8 | u32 len | value UTF-8)}, keys ascending. */
  static byte[] encodeDetails(SortedMap<String, String> details) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    writeInt(out, details.size());
    for (Map.Entry<String, String> e : details.entrySet()) {
      for (String s : new String[] {e.getKey(), e.getValue()}) {
        byte[] b = Utf8.encode(s).orElseThrow(() -> new IllegalArgumentException("audit detail is not well-formed Unicode"));
        writeInt(out, b.length);
        out.write(b, 0, b.length);
      }
    }
    return out.toByteArray();
  }

  /**
   * Decodes what {@link #encodeDetails} writes and nothing else: keys strictly ascending (a duplicate
   * key would let a forged value hide behind the one the hash covers), strict UTF-8, no trailing bytes.
   */
  static SortedMap<String, String> decodeDetails(byte[] bytes) throws CharacterCodingException {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    TreeMap<String, String> out = new TreeMap<>();
    try {
      int n = in.getInt();
      if (n < 0 || n > in.remaining()) {
        throw new CharacterCodingException();
      }
      String previous = null;
      for (int i = 0; i < n; i++) {
        String k = str(in);
        // keys are ASCII (AuditEvent checks), so String order is the byte order encodeDetails writes
        if (previous != null && k.compareTo(previous) <= 0) {
          throw new CharacterCodingException();
        }
        out.put(k, str(in));
        previous = k;
      }
    } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
      throw new CharacterCodingException();
    }
    if (in.hasRemaining()) {
      throw new CharacterCodingException();
    }
    return out;
  }

  private static String str(ByteBuffer in) throws CharacterCodingException {
    int len = in.getInt();
    if (len < 0 || len > in.remaining()) {
      throw new CharacterCodingException();
    }
    byte[] b = new byte[len];
    in.get(b);
    return decode(b);
  }

  private static void writeInt(java.io.ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  /** A storage failure with the database's message, which names no credentials. */
  static StorageException failure(String what, Exception e) {
    return new StorageException(what + ": " + e.getMessage(), e);
  }
}
