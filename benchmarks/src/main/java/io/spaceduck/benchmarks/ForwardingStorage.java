package io.spaceduck.benchmarks;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A store that passes every call to another; benchmarks override the one call they replace. It does
 * not override {@link Storage#authenticationRows}: a subclass that keeps the store's own must say so.
 * (The conformance kit's {@code io.spaceduck.conformance.ForwardingStorage} does the same; depending on
 * the kit would shade jqwik and JUnit into the benchmark jar.)
 */
public abstract class ForwardingStorage implements Storage {
  /** The store every call goes to. */
  protected final Storage store;

  protected ForwardingStorage(Storage store) {
    this.store = store;
  }

  @Override
  public String describe() {
    return store.describe();
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    return store.execute(unit);
  }

  @Override
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    return store.get(table, key);
  }

  @Override
  public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
    return store.findBy(index, indexKey);
  }

  @Override
  public Optional<AuditHead> auditHead() {
    return store.auditHead();
  }

  @Override
  public List<AuditEvent> auditRange(long fromSeq, int limit) {
    return store.auditRange(fromSeq, limit);
  }

  @Override
  public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
    return store.auditQuery(filter, afterSeq, limit);
  }

  @Override
  public void recordPulse(Pulse pulse) {
    store.recordPulse(pulse);
  }

  @Override
  public Optional<Pulse> latestPulse(AgentId agent) {
    return store.latestPulse(agent);
  }

  @Override
  public List<Pulse> pulseHistory(AgentId agent, int limit) {
    return store.pulseHistory(agent, limit);
  }

  @Override
  public int deletePulsesBefore(Instant cutoff) {
    return store.deletePulsesBefore(cutoff);
  }

  @Override
  public void close() {
    store.close();
  }
}
