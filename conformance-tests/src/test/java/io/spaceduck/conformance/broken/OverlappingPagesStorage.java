package io.spaceduck.conformance.broken;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import java.util.List;

/**
 * Broken on purpose (A4): {@code auditQuery} treats {@code afterSeq} as inclusive ({@code seq >=}
 * instead of {@code seq >}), so paging with the last seen seq returns that event again.
 */
final class OverlappingPagesStorage extends ForwardingStorage {
  OverlappingPagesStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
    return delegate.auditQuery(filter, afterSeq > 0 ? afterSeq - 1 : afterSeq, limit);
  }
}
