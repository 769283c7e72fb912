package io.spaceduck.storage;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.Hash;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Writes the canonical encoding of {@link AuditChain} into one growable buffer and hashes it with one
 * digest, both kept from event to event: verifying a chain of a million events then allocates
 * nothing per event, where a fresh stream, array and digest per event cost more than the hashing.
 *
 * <p>The bytes are exactly those of {@code docs/audit-format.md}: integers big-endian, strings as
 * their UTF-8 bytes. Pure-ASCII strings (nearly all of them: codes, ids, versions) are written char by
 * char; any other string is checked for unpaired surrogates and then goes through {@code
 * getBytes(UTF_8)}. An event has an encoding only in its canonical form: a string with an unpaired
 * surrogate (which {@code getBytes} would turn into the same {@code '?'} as a real one) or a timestamp
 * with a sub-millisecond part (which the encoding would drop) has none, and {@link #encode(AuditEvent)}
 * throws {@link NotCanonical} — so two different events never share an encoding and a hash (A3).
 *
 * <p>Not thread-safe: one instance per verification, or per call.
 */
final class AuditEncoder {
  // shared, but never updated: clone() only reads its initial state, so concurrent encoders are safe
  private static final MessageDigest PROTOTYPE = newDigest();
  // "SDA1" as one big-endian int: magic and format version 1
  private static final int MAGIC = 'S' << 24 | 'D' << 16 | 'A' << 8 | '1';
  // what the JDK's own growable buffers allow: some VMs reserve header words in an array
  private static final int MAX_LENGTH = Integer.MAX_VALUE - 8;

  private byte[] buf;
  private int len;
  private final MessageDigest md = cloneDigest();
  private final byte[] hash = new byte[Hash.LENGTH];
  // one instance per encoder: details.forEach(this.detail) allocates no iterator and no entries
  private final BiConsumer<String, String> detail =
      (k, v) -> {
        putString(k);
        putString(v);
      };

  /** An encoder whose buffer starts at {@code initialCapacity} bytes and grows as needed. */
  AuditEncoder(int initialCapacity) {
    if (initialCapacity < 0) {
      throw new IllegalArgumentException("initialCapacity >= 0");
    }
    buf = new byte[initialCapacity];
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  private static MessageDigest cloneDigest() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return newDigest();
    }
  }

  /** An event that has no canonical encoding; the message names the field, never its content. */
  static final class NotCanonical extends IllegalArgumentException {
    NotCanonical(String message) {
      super(message);
    }
  }

  /**
   * Replaces the buffer's content with the encoding of a stored event (its hash is not part of it).
   *
   * @throws NotCanonical if the event has no canonical encoding (see the class comment)
   */
  AuditEncoder encode(AuditEvent e) {
    return encode(
        e.seq(),
        e.prevHash(),
        e.action(),
        e.actor(),
        e.resource(),
        e.scope(),
        canonicalMillis(e.timestamp()),
        e.engineVersion(),
        e.reason().code(),
        e.outcome().code(),
        e.details());
  }

  /** Replaces the buffer's content with the encoding of {@code draft} placed at {@code seq}. */
  AuditEncoder encode(AuditDraft draft, long seq, Hash prevHash) {
    return encode(
        seq,
        prevHash,
        draft.action(),
        draft.actor(),
        draft.resource(),
        draft.scope(),
        draft.timestamp().toEpochMilli(), // whole ms (AuditDraft truncates); out of range: ArithmeticException, as before
        draft.engineVersion(),
        draft.reason().code(),
        draft.outcome().code(),
        draft.details());
  }

  private AuditEncoder encode(
      long seq,
      Hash prev,
      String action,
      String actor,
      String resource,
      Optional<String> scope,
      long millis,
      String version,
      String reason,
      String outcome,
      Map<String, String> details) {
    len = 0;
    // the fixed head: magic, seq, prev_hash
    ensure(4 + 8 + Hash.LENGTH);
    putInt(MAGIC);
    putLong(seq);
    prev.copyTo(buf, len);
    len += Hash.LENGTH;
    putString(action);
    putString(actor);
    putString(resource);
    if (scope.isPresent()) {
      putByte(1);
      putString(scope.get());
    } else {
      putByte(0);
    }
    putLong(millis);
    putString(version);
    putString(reason);
    putString(outcome);
    ensure(4);
    putInt(details.size());
    // details is a SortedMap over ASCII keys (AuditEvent copies it into one): its order is byte order
    details.forEach(detail);
    return this;
  }

  /** Whole epoch milliseconds: an instant with a finer part, or beyond a signed 64-bit count, has no encoding. */
  private static long canonicalMillis(java.time.Instant t) {
    if (t.getNano() % 1_000_000 != 0) {
      throw new NotCanonical("timestamp has a sub-millisecond part");
    }
    try {
      return t.toEpochMilli();
    } catch (ArithmeticException ex) {
      throw new NotCanonical("timestamp beyond epoch milliseconds");
    }
  }

  /**
   * SHA-256 of the current encoding, written into an array this encoder reuses: valid only until the
   * next call, and never to be kept or handed out.
   */
  byte[] digest() {
    md.update(buf, 0, len);
    try {
      md.digest(hash, 0, Hash.LENGTH);
    } catch (DigestException e) {
      // cannot happen: the array holds exactly one SHA-256 digest
      throw new IllegalStateException(e);
    }
    return hash;
  }

  /** A copy of the current encoding. */
  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** The length of the current encoding in bytes. */
  int length() {
    return len;
  }

  /** The buffer's capacity in bytes (for tests of its growth). */
  int capacity() {
    return buf.length;
  }

  /** Makes room for {@code extra} more bytes ({@code extra >= 0}; a long, so 4 + a length cannot overflow). */
  private void ensure(long extra) {
    if (extra > buf.length - len) {
      grow(len + extra);
    }
  }

  // apart from ensure, so that the check on the hot path stays small enough to inline everywhere
  private void grow(long need) {
    if (need > MAX_LENGTH) {
      throw new IllegalArgumentException("audit event too large to encode");
    }
    // doubling keeps the copies amortized O(1) per byte; a huge value still grows in one step
    buf = Arrays.copyOf(buf, (int) Math.min(MAX_LENGTH, Math.max(need, 2L * buf.length)));
  }

  private void putByte(int b) {
    ensure(1);
    buf[len++] = (byte) b;
  }

  /** Callers ensure 4 bytes of room. */
  private void putInt(int v) {
    byte[] b = buf;
    int p = len;
    b[p] = (byte) (v >>> 24);
    b[p + 1] = (byte) (v >>> 16);
    b[p + 2] = (byte) (v >>> 8);
    b[p + 3] = (byte) v;
    len = p + 4;
  }

  private void putLong(long v) {
    ensure(8);
    byte[] b = buf;
    int p = len;
    b[p] = (byte) (v >>> 56);
    b[p + 1] = (byte) (v >>> 48);
    b[p + 2] = (byte) (v >>> 40);
    b[p + 3] = (byte) (v >>> 32);
    b[p + 4] = (byte) (v >>> 24);
    b[p + 5] = (byte) (v >>> 16);
    b[p + 6] = (byte) (v >>> 8);
    b[p + 7] = (byte) v;
    len = p + 8;
  }

  /** A string: u32 length of its UTF-8 bytes, then the bytes. */
  private void putString(String s) {
    int n = s.length();
    // an ASCII string has one byte per char: write optimistically, and start over the other way at
    // the first char that is not ASCII (len has not moved yet, so nothing needs undoing)
    ensure(4L + n);
    byte[] b = buf;
    int start = len + 4;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        putUtf8(s);
        return;
      }
      b[start + i] = (byte) c;
    }
    putInt(n);
    len = start + n;
  }

  private void putUtf8(String s) {
    // getBytes would turn an unpaired surrogate into '?', the same bytes as a real '?': refuse it, so
    // that one encoding means one event
    byte[] u = Utf8.encode(s).orElseThrow(() -> new NotCanonical("text holds an unpaired surrogate (no UTF-8 form)"));
    ensure(4L + u.length);
    putInt(u.length);
    System.arraycopy(u, 0, buf, len, u.length);
    len += u.length;
  }
}
