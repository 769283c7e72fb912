package io.spaceduck.storage;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Hash;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The canonical, versioned encoding of an audit event and the hash rule (A1), exactly as {@code
 * docs/audit-format.md} specifies them:
 *
 * <pre>
 * hash = SHA-256( encoding )
 * encoding = "SDA1"                       4 ASCII bytes: magic and format version 1
 *          | u64 seq | prev_hash (32 bytes)
 *          | str action | str actor | str resource | opt scope
 *          | i64 timestamp (epoch millis, UTC)
 *          | str engine_version | str reason | str outcome
 *          | u32 n | n × (str key | str value)   keys in ascending order (ASCII)
 * str = u32 length of the UTF-8 bytes | the bytes      (all integers big-endian)
 * opt = 0x00 | 0x01 str
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class AuditChain {
  private static final byte[] MAGIC = "SDA1".getBytes(StandardCharsets.US_ASCII);
  private static final MessageDigest PROTOTYPE = newDigest();

  private AuditChain() {}

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  private static MessageDigest digest() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return newDigest();
    }
  }

  /** Places {@code draft} at {@code seq} after {@code prevHash}, computing its hash. */
  public static AuditEvent link(AuditDraft draft, long seq, Hash prevHash) {
    byte[] encoding =
        encode(
            seq,
            prevHash,
            draft.action(),
            draft.actor(),
            draft.resource(),
            draft.scope(),
            draft.timestamp().toEpochMilli(),
            draft.engineVersion(),
            draft.reason().code(),
            draft.outcome().code(),
            draft.details());
    return new AuditEvent(
        seq,
        draft.action(),
        draft.actor(),
        draft.resource(),
        draft.scope(),
        draft.timestamp(),
        draft.engineVersion(),
        draft.reason(),
        draft.outcome(),
        draft.details(),
        prevHash,
        Hash.of(digest().digest(encoding)));
  }

  /** The canonical encoding of a stored event (its {@code hash} field is not part of it). */
  public static byte[] canonicalBytes(AuditEvent e) {
    return encode(
        e.seq(),
        e.prevHash(),
        e.action(),
        e.actor(),
        e.resource(),
        e.scope(),
        e.timestamp().toEpochMilli(),
        e.engineVersion(),
        e.reason().code(),
        e.outcome().code(),
        e.details());
  }

  /** Recomputes the hash of a stored event from its fields. */
  public static Hash computeHash(AuditEvent e) {
    return Hash.of(digest().digest(canonicalBytes(e)));
  }

  /** The draft an event was made from (for backends that re-link). */
  public static AuditDraft draftOf(AuditEvent e) {
    return new AuditDraft(
        e.action(), e.actor(), e.resource(), e.scope(), e.timestamp(), e.engineVersion(), e.reason(), e.outcome(), e.details());
  }

  private static byte[] encode(
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
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(MAGIC);
    out.writeBytes(ByteBuffer.allocate(8).putLong(seq).array());
    out.writeBytes(prev.toByteArray());
    str(out, action);
    str(out, actor);
    str(out, resource);
    if (scope.isPresent()) {
      out.write(1);
      str(out, scope.get());
    } else {
      out.write(0);
    }
    out.writeBytes(ByteBuffer.allocate(8).putLong(millis).array());
    str(out, version);
    str(out, reason);
    str(out, outcome);
    out.writeBytes(ByteBuffer.allocate(4).putInt(details.size()).array());
    // details is a SortedMap over ASCII keys: String order equals byte order
    for (Map.Entry<String, String> d : details.entrySet()) {
      str(out, d.getKey());
      str(out, d.getValue());
    }
    return out.toByteArray();
  }

  private static void str(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
    out.writeBytes(b);
  }

  /**
   * Verifies events in {@code seq} order (A3): each must sit at the next position, link the previous
   * hash, and carry the hash of its own fields. If {@code expected} is given, the chain must contain
   * that exact head (detects truncation).
   */
  public static AuditVerification verify(Iterator<AuditEvent> events, Optional<AuditHead> expected) {
    long expectedSeq = 1;
    Hash prev = Hash.ZERO;
    boolean expectedSeen = expected.isEmpty();
    AuditEvent last = null;
    while (events.hasNext()) {
      AuditEvent e = events.next();
      if (e.seq() != expectedSeq) {
        return AuditVerification.broken(
            expectedSeq - 1, expectedSeq, "expected seq " + expectedSeq + " but found seq " + e.seq());
      }
      if (!e.prevHash().equals(prev)) {
        return AuditVerification.broken(expectedSeq - 1, e.seq(), "prev_hash does not link to seq " + (e.seq() - 1));
      }
      if (!computeHash(e).equals(e.hash())) {
        return AuditVerification.broken(expectedSeq - 1, e.seq(), "hash does not match the event's fields");
      }
      if (expected.isPresent() && expected.get().seq() == e.seq()) {
        if (!expected.get().hash().equals(e.hash())) {
          return AuditVerification.broken(expectedSeq - 1, e.seq(), "hash differs from the expected head");
        }
        expectedSeen = true;
      }
      prev = e.hash();
      last = e;
      expectedSeq++;
    }
    if (!expectedSeen) {
      return AuditVerification.broken(
          expectedSeq - 1, expectedSeq, "chain ends at seq " + (expectedSeq - 1) + " before the expected head seq "
              + expected.get().seq() + " (truncated)");
    }
    return AuditVerification.ok(expectedSeq - 1, Optional.ofNullable(last).map(AuditEvent::head));
  }
}
