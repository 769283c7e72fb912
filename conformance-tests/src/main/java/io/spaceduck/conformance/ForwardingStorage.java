package io.spaceduck.conformance;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Storage} that forwards every call to another store — the base for decorators that change
 * one behaviour: a test wrapper that deletes its files on {@link #close()}, one that records what
 * the engine writes, or a deliberately broken store that proves a contract property has teeth.
 * Override the methods to change and leave the rest; {@link ForwardingTransaction} does the same for
 * the {@link Transaction} a unit sees (wrap it in an overridden {@link #execute}).
 *
 * <p>Thread-safe exactly as far as the delegate is; adds no state of its own. Modelled on Guava's
 * {@code ForwardingObject}: forwarding is explicit, so a new SPI method is a compile error here
 * rather than a silently unforwarded call.
 */
public abstract class ForwardingStorage implements Storage {
  /** The store every call goes to. */
  protected final Storage delegate;

  /**
   * @throws NullPointerException if {@code delegate} is null
   */
  protected ForwardingStorage(Storage delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The store every call goes to. */
  public final Storage delegate() {
    return delegate;
  }

  /** The decorator's simple class name around the delegate's description. */
  @Override
  public String describe() {
    return getClass().getSimpleName() + "(" + delegate.describe() + ")";
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    return delegate.execute(unit);
  }

  @Override
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    return delegate.get(table, key);
  }

  @Override
  public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
    return delegate.findBy(index, indexKey);
  }

  @Override
  public Optional<AuditHead> auditHead() {
    return delegate.auditHead();
  }

  @Override
  public List<AuditEvent> auditRange(long fromSeq, int limit) {
    return delegate.auditRange(fromSeq, limit);
  }

  @Override
  public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
    return delegate.auditQuery(filter, afterSeq, limit);
  }

  @Override
  public Optional<io.spaceduck.api.Hash> auditSubtree(int level, long index) {
    return delegate.auditSubtree(level, index);
  }

  @Override
  public void recordPulse(Pulse pulse) {
    delegate.recordPulse(pulse);
  }

  @Override
  public Optional<Pulse> latestPulse(AgentId agent) {
    return delegate.latestPulse(agent);
  }

  @Override
  public List<Pulse> pulseHistory(AgentId agent, int limit) {
    return delegate.pulseHistory(agent, limit);
  }

  @Override
  public int deletePulsesBefore(Instant cutoff) {
    return delegate.deletePulsesBefore(cutoff);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return describe();
  }

  /**
   * A {@link Transaction} that forwards every call to another; override what to change. Used by one
   * unit on one thread, like the transaction it wraps.
   */
  public static class ForwardingTransaction implements Transaction {
    /** The transaction every call goes to. */
    protected final Transaction tx;

    /**
     * @throws NullPointerException if {@code tx} is null
     */
    public ForwardingTransaction(Transaction tx) {
      this.tx = Objects.requireNonNull(tx, "tx");
    }

    @Override
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      return tx.get(table, key);
    }

    @Override
    public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
      return tx.findBy(index, indexKey);
    }

    @Override
    public <V> void insert(Table<V> table, V value) {
      tx.insert(table, value);
    }

    @Override
    public <V> void update(Table<V> table, Versioned<V> current, V next) {
      tx.update(table, current, next);
    }

    @Override
    public <V> void delete(Table<V> table, Versioned<V> current) {
      tx.delete(table, current);
    }

    @Override
    public <V> void check(Table<V> table, Versioned<V> current) {
      tx.check(table, current);
    }

    @Override
    public void appendAudit(AuditDraft draft) {
      tx.appendAudit(draft);
    }
  }
}
