package io.spaceduck.api;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The result of recomputing the audit chain (A3).
 *
 * @param valid whether every link holds (and the expected head, if one was given, is present)
 * @param eventsVerified how many events were checked before the first break (all when valid)
 * @param head the newest event's position and hash, when the chain is not empty
 * @param firstBrokenSeq the first {@code seq} whose link does not hold, when invalid
 * @param problem a one-line description of the break, when invalid
 */
public record AuditVerification(
    boolean valid,
    long eventsVerified,
    Optional<AuditHead> head,
    OptionalLong firstBrokenSeq,
    Optional<String> problem) {
  public AuditVerification {
    Objects.requireNonNull(head, "head");
    Objects.requireNonNull(firstBrokenSeq, "firstBrokenSeq");
    Objects.requireNonNull(problem, "problem");
    if (valid == firstBrokenSeq.isPresent()) {
      throw new IllegalArgumentException("an invalid result, and only one, names the broken seq");
    }
  }

  public static AuditVerification ok(long count, Optional<AuditHead> head) {
    return new AuditVerification(true, count, head, OptionalLong.empty(), Optional.empty());
  }

  public static AuditVerification broken(long verified, long seq, String problem) {
    return new AuditVerification(false, verified, Optional.empty(), OptionalLong.of(seq), Optional.of(problem));
  }
}
