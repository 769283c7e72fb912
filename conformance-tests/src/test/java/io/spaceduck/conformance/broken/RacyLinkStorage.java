package io.spaceduck.conformance.broken;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.Hash;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.UnitOfWork;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Broken on purpose (A5): keeps the audit chain itself and links a committed unit's events to the
 * head hash it read <em>before</em> taking its append lock — the classic "read head, then lock"
 * mistake of a backend whose chain is not appended under the same serialization as its seq (e.g. a
 * head read at REPEATABLE READ before {@code SELECT … FOR UPDATE}). Seq numbers stay gapless and
 * unique; only {@code prev_hash} is wrong, and only when two units commit at the same time. One
 * thread at a time, the store is correct.
 */
final class RacyLinkStorage extends ForwardingStorage {
  private final Object appendLock = new Object();
  private final List<AuditEvent> events = new ArrayList<>();
  private volatile Hash headHash = Hash.ZERO;

  RacyLinkStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    List<AuditDraft> drafts = new ArrayList<>();
    T result =
        delegate.execute(tx -> {
          drafts.clear(); // a store may run a unit again
          return unit.run(new ForwardingTransaction(tx) {
            @Override
            public void appendAudit(AuditDraft draft) {
              drafts.add(draft);
            }
          });
        });
    if (!drafts.isEmpty()) {
      Hash prev = headHash; // the bug: read outside the lock, so a concurrent unit may move it meanwhile
      synchronized (appendLock) {
        for (AuditDraft d : drafts) {
          AuditEvent e = AuditChain.link(d, events.size() + 1L, prev);
          events.add(e);
          prev = e.hash();
        }
        headHash = prev;
      }
    }
    return result;
  }

  /**
   * The tree of its own events (the SPI's default), not the delegate's, which holds none: a run that
   * happens not to fork must pass the kit's tree checks, so that the first failure the test catches is
   * the fork (without this, such a run failed on the tree first: the test's one flake).
   */
  @Override
  public Optional<Hash> auditSubtree(int level, long index) {
    return AuditTreeNodes.fromEvents(this, level, index);
  }

  @Override
  public Optional<AuditHead> auditHead() {
    synchronized (appendLock) {
      return events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1).head());
    }
  }

  @Override
  public List<AuditEvent> auditRange(long fromSeq, int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0");
    }
    synchronized (appendLock) {
      return events.stream().filter(e -> e.seq() >= fromSeq).limit(limit).collect(Collectors.toList());
    }
  }

  @Override
  public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0");
    }
    synchronized (appendLock) {
      return events.stream().filter(e -> e.seq() > afterSeq).filter(filter::matches).limit(limit).collect(Collectors.toList());
    }
  }
}
