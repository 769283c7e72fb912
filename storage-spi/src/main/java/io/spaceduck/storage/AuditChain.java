package io.spaceduck.storage;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Hash;
import java.util.Iterator;
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
 * <p>Stateless and thread-safe. {@link #verify} encodes every event into one reused buffer and hashes
 * it with one reused digest: it allocates nothing per event, and most of its time is the SHA-256
 * itself.
 */
public final class AuditChain {
  // room for a typical event (about 250 bytes) in one go; larger ones grow the buffer
  private static final int INITIAL_CAPACITY = 512;

  private AuditChain() {}

  /** Places {@code draft} at {@code seq} after {@code prevHash}, computing its hash. */
  public static AuditEvent link(AuditDraft draft, long seq, Hash prevHash) {
    // an encoder per call: stores link concurrently (one per store, many stores), and a per-call
    // buffer and digest are no shared state to guard
    Hash hash = Hash.of(new AuditEncoder(INITIAL_CAPACITY).encode(draft, seq, prevHash).digest());
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
        hash);
  }

  /**
   * The canonical encoding of a stored event (its {@code hash} field is not part of it).
   *
   * @throws IllegalArgumentException if the event has no canonical encoding: text with an unpaired
   *     surrogate, a timestamp with a sub-millisecond part (see {@code docs/audit-format.md})
   */
  public static byte[] canonicalBytes(AuditEvent e) {
    return new AuditEncoder(INITIAL_CAPACITY).encode(e).toByteArray();
  }

  /**
   * Recomputes the hash of a stored event from its fields.
   *
   * @throws IllegalArgumentException if the event has no canonical encoding (as {@link #canonicalBytes})
   */
  public static Hash computeHash(AuditEvent e) {
    return Hash.of(new AuditEncoder(INITIAL_CAPACITY).encode(e).digest());
  }

  /** The draft an event was made from (for backends that re-link). */
  public static AuditDraft draftOf(AuditEvent e) {
    return new AuditDraft(
        e.action(), e.actor(), e.resource(), e.scope(), e.timestamp(), e.engineVersion(), e.reason(), e.outcome(), e.details());
  }

  /**
   * Recomputes events' hashes (A1) with one reused buffer and digest — for a verifier that checks the
   * hashes of a long chain on several threads, one {@code HashCheck} each. Not thread-safe.
   */
  public static final class HashCheck {
    private final AuditEncoder encoder = new AuditEncoder(INITIAL_CAPACITY);

    /** True when {@code e} is in canonical form and carries the SHA-256 of its canonical encoding. */
    public boolean matches(AuditEvent e) {
      try {
        return e.hash().contentEquals(encoder.encode(e).digest());
      } catch (AuditEncoder.NotCanonical nc) {
        return false;
      }
    }
  }

  /**
   * Verifies events in {@code seq} order (A3): each must sit at the next position, link the previous
   * hash, have a canonical encoding and carry the hash of it. If {@code expected} is given, the chain
   * must contain that exact head (detects truncation). An event the store cannot decode canonically
   * ({@code events} throws {@link CorruptAuditEventException}) is a broken link at its seq, or at the
   * missing seq before it.
   */
  public static AuditVerification verify(Iterator<AuditEvent> events, Optional<AuditHead> expected) {
    // one buffer and one digest for the whole chain: per-event garbage used to cost more than SHA-256
    AuditEncoder encoder = new AuditEncoder(INITIAL_CAPACITY);
    long expectedSeq = 1;
    Hash prev = Hash.ZERO;
    boolean expectedSeen = expected.isEmpty();
    AuditEvent last = null;
    while (true) {
      AuditEvent e;
      try {
        if (!events.hasNext()) {
          break;
        }
        e = events.next();
      } catch (CorruptAuditEventException c) {
        long at = Math.min(expectedSeq, c.seq());
        return AuditVerification.broken(
            expectedSeq - 1, at, at == c.seq()
                ? "stored event does not decode canonically (" + c.getMessage() + ")"
                : "expected seq " + expectedSeq + " but found an undecodable event at seq " + c.seq());
      }
      if (e.seq() != expectedSeq) {
        return AuditVerification.broken(
            expectedSeq - 1, expectedSeq, "expected seq " + expectedSeq + " but found seq " + e.seq());
      }
      if (!e.prevHash().equals(prev)) {
        return AuditVerification.broken(expectedSeq - 1, e.seq(), "prev_hash does not link to seq " + (e.seq() - 1));
      }
      byte[] digest;
      try {
        digest = encoder.encode(e).digest();
      } catch (AuditEncoder.NotCanonical nc) {
        return AuditVerification.broken(expectedSeq - 1, e.seq(), "event is not in canonical form: " + nc.getMessage());
      }
      if (!e.hash().contentEquals(digest)) {
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
