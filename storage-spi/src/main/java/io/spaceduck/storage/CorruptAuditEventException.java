package io.spaceduck.storage;

/**
 * A stored audit event that does not decode to exactly one event in its canonical form: malformed or
 * over-long UTF-8, a duplicate or out-of-order detail key, a presence byte other than 0 or 1,
 * trailing bytes, a field that fails validation. The bytes were altered outside the engine (no engine
 * writes them), so a store throws this from {@link Storage#auditRange} or {@link Storage#auditQuery}
 * rather than return an event that would hash like another one.
 *
 * <p>{@code verifyAudit} reports it as the first broken link at {@link #seq()} (A3) instead of failing
 * as {@link io.spaceduck.api.Unavailable}; any other reader sees a plain {@link StorageException}.
 */
public class CorruptAuditEventException extends StorageException {
  private final long seq;

  /**
   * @param seq the position the store holds the event at (its key or {@code seq} column)
   */
  public CorruptAuditEventException(long seq, String message, Throwable cause) {
    super(message, cause);
    this.seq = seq;
  }

  /** The position of the event that does not decode. */
  public long seq() {
    return seq;
  }
}
