package io.spaceduck.conformance.broken;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Broken on purpose (A3, A5): {@code auditRange} silently skips the event at seq 2, as a backend
 * with an off-by-one in its range scan (or a lost row) would.
 */
final class DroppedEventStorage extends ForwardingStorage {
  DroppedEventStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public List<AuditEvent> auditRange(long fromSeq, int limit) {
    return delegate.auditRange(fromSeq, limit).stream().filter(e -> e.seq() != 2).collect(Collectors.toList());
  }
}
