package io.spaceduck.storage.memory;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.Hash;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.BufferedTransaction;
import io.spaceduck.storage.CommittedView;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.WriteSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Supplier;

/**
 * The reference store: everything in memory, nothing durable. It defines the semantics of {@link
 * Storage} that the conformance kit holds every backend to.
 *
 * <p>Units run on the caller's thread against a {@link BufferedTransaction}; their write sets are
 * validated and applied under one write lock, where audit drafts are numbered and linked. Reads are
 * optimistic ({@link StampedLock}) and fall back to a read lock, so a reader never sees half of a
 * unit. Thread-safe.
 */
public final class InMemoryStorage implements Storage {
  private final StampedLock lock = new StampedLock();
  private final Map<Table<?>, ConcurrentHashMap<String, Versioned<?>>> rows = new HashMap<>();
  private final Map<Index<?>, ConcurrentHashMap<String, NavigableSet<String>>> indexes = new HashMap<>();
  private final ArrayList<AuditEvent> audit = new ArrayList<>();
  // the audit tree's nodes by level (AuditTreeNodes), written with the events under the write lock
  private final List<ArrayList<Hash>> treeLevels = new ArrayList<>();
  private final CommittedView committed = new Committed();
  // Units read through the lock too, so that a unit never sees an index entry without its row (a
  // half-applied unit); validation runs under the write lock and uses the raw view.
  private final CommittedView lockedReads = new LockedReads();
  private final ConcurrentHashMap<String, Pulse> latestPulses = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentSkipListMap<PulseKey, Pulse>> pulseHistory =
      new ConcurrentHashMap<>();
  private final AtomicLong pulseCounter = new AtomicLong();
  private volatile boolean closed;

  /**
   * Orders an agent's history newest first; the counter breaks ties (later recorded first). Compares
   * the instants themselves: epoch nanoseconds in a {@code long} overflow after 2262 (and before 1677).
   */
  private record PulseKey(java.time.Instant at, long counter) implements Comparable<PulseKey> {
    @Override
    public int compareTo(PulseKey o) {
      int c = o.at.compareTo(at);
      return c != 0 ? c : Long.compare(o.counter, counter);
    }
  }

  public InMemoryStorage() {
    for (Table<?> t : Tables.ALL) {
      rows.put(t, new ConcurrentHashMap<>());
      for (Index<?> i : t.indexes()) {
        indexes.put(i, new ConcurrentHashMap<>());
      }
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StorageException("in-memory store is closed");
    }
  }

  @Override
  public String describe() {
    return "memory";
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    checkOpen();
    BufferedTransaction tx = new BufferedTransaction(lockedReads);
    T result = unit.run(tx);
    WriteSet ws = tx.writeSet();
    long stamp = lock.writeLock();
    try {
      checkOpen();
      List<WriteSet.Change> changes = ws.validate(committed);
      for (WriteSet.Change c : changes) {
        apply(c);
      }
      if (!ws.audits().isEmpty()) {
        long sizeBefore = audit.size();
        List<Hash> hashes = new ArrayList<>(ws.audits().size());
        for (AuditDraft d : ws.audits()) {
          Hash prev = audit.isEmpty() ? Hash.ZERO : audit.get(audit.size() - 1).hash();
          AuditEvent e = AuditChain.link(d, audit.size() + 1L, prev);
          audit.add(e);
          hashes.add(e.hash());
        }
        for (AuditTreeNodes.Node n : AuditTreeNodes.appended(sizeBefore, hashes, this::storedNode)) {
          while (treeLevels.size() <= n.level()) {
            treeLevels.add(new ArrayList<>());
          }
          treeLevels.get(n.level()).add(n.hash()); // nodes of a level complete in index order
        }
      }
    } finally {
      lock.unlockWrite(stamp);
    }
    return result;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void apply(WriteSet.Change c) {
    Table table = c.table();
    for (Object o : table.indexes()) {
      Index index = (Index) o;
      Optional<String> oldKey = c.before().flatMap(v -> index.keyOf(v.value()));
      Optional<String> newKey = c.after().flatMap(v -> index.keyOf(v.value()));
      if (oldKey.equals(newKey)) {
        continue;
      }
      Map<String, NavigableSet<String>> idx = indexes.get(index);
      oldKey.ifPresent(k -> idx.computeIfPresent(k, (kk, set) -> {
        set.remove(c.key());
        return set.isEmpty() ? null : set;
      }));
      newKey.ifPresent(k -> idx.computeIfAbsent(k, kk -> new ConcurrentSkipListSet<>()).add(c.key()));
    }
    if (c.after().isPresent()) {
      rows.get(table).put(c.key(), c.after().get());
    } else {
      rows.get(table).remove(c.key());
    }
  }

  private <R> R read(Supplier<R> reader) {
    long stamp = lock.tryOptimisticRead();
    if (stamp != 0) {
      R r = reader.get();
      if (lock.validate(stamp)) {
        return r;
      }
    }
    stamp = lock.readLock();
    try {
      return reader.get();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    checkOpen();
    // read(Supplier) spelled out: this runs several times per authenticated call, and the capturing
    // lambda allocated on each one
    ConcurrentHashMap<String, Versioned<?>> t = rows.get(table);
    long stamp = lock.tryOptimisticRead();
    if (stamp != 0) {
      Versioned<?> v = t.get(key);
      if (lock.validate(stamp)) {
        return Optional.ofNullable((Versioned<V>) v);
      }
    }
    stamp = lock.readLock();
    try {
      return Optional.ofNullable((Versioned<V>) t.get(key));
    } finally {
      lock.unlockRead(stamp);
    }
  }

  @Override
  public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
    checkOpen();
    return read(() -> committed.findBy(index, indexKey));
  }

  @Override
  public Optional<AuditHead> auditHead() {
    checkOpen();
    return locked(() -> audit.isEmpty() ? Optional.empty() : Optional.of(audit.get(audit.size() - 1).head()));
  }

  @Override
  public List<AuditEvent> auditRange(long fromSeq, int limit) {
    checkOpen();
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    return locked(
        () -> {
          // long arithmetic: fromSeq may be Long.MIN_VALUE and from + limit may exceed int
          long from = Math.min(audit.size(), Math.max(1, fromSeq) - 1);
          long to = Math.min(audit.size(), from + limit);
          return List.copyOf(audit.subList((int) from, (int) to));
        });
  }

  private Optional<Hash> storedNode(int level, long index) {
    if (level >= treeLevels.size() || index >= treeLevels.get(level).size()) {
      return Optional.empty();
    }
    return Optional.of(treeLevels.get(level).get((int) index));
  }

  /** One read of the nodes kept with the events (never computed from them). */
  @Override
  public Optional<Hash> auditSubtree(int level, long index) {
    checkOpen();
    if (level < 0 || index < 0) {
      return Optional.empty();
    }
    return locked(() -> storedNode(level, index));
  }

  @Override
  public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
    checkOpen();
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    return locked(
        () -> {
          List<AuditEvent> out = new ArrayList<>();
          for (int i = (int) Math.max(0, Math.min(audit.size(), afterSeq)); i < audit.size() && out.size() < limit; i++) {
            if (filter.matches(audit.get(i))) {
              out.add(audit.get(i));
            }
          }
          return out;
        });
  }

  private <R> R locked(Supplier<R> reader) {
    long stamp = lock.readLock();
    try {
      return reader.get();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  @Override
  public void recordPulse(Pulse pulse) {
    checkOpen();
    String agent = pulse.agent().value();
    pulseHistory
        .computeIfAbsent(agent, a -> new ConcurrentSkipListMap<>())
        .put(new PulseKey(pulse.at(), pulseCounter.incrementAndGet()), pulse);
    latestPulses.merge(agent, pulse, (old, fresh) -> fresh.at().isBefore(old.at()) ? old : fresh);
  }

  @Override
  public Optional<Pulse> latestPulse(AgentId agent) {
    checkOpen();
    return Optional.ofNullable(latestPulses.get(agent.value()));
  }

  @Override
  public List<Pulse> pulseHistory(AgentId agent, int limit) {
    checkOpen();
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    ConcurrentSkipListMap<PulseKey, Pulse> h = pulseHistory.get(agent.value());
    return h == null ? List.of() : h.values().stream().limit(limit).toList();
  }

  @Override
  public int deletePulsesBefore(java.time.Instant cutoff) {
    checkOpen();
    int deleted = 0;
    for (ConcurrentSkipListMap<PulseKey, Pulse> h : pulseHistory.values()) {
      // newest first: everything after the first key older than the cutoff goes. Each entry counts
      // only for the sweep whose remove took it, so concurrent sweeps never count one twice.
      for (PulseKey k : h.tailMap(new PulseKey(cutoff, Long.MIN_VALUE), false).keySet()) {
        if (h.remove(k) != null) {
          deleted++;
        }
      }
    }
    return deleted;
  }

  @Override
  public void close() {
    closed = true;
  }

  private final class LockedReads implements CommittedView {
    @Override
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      return read(() -> committed.get(table, key));
    }

    @Override
    public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
      return read(() -> committed.findBy(index, indexKey));
    }
  }

  private final class Committed implements CommittedView {
    @Override
    @SuppressWarnings("unchecked")
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      return Optional.ofNullable((Versioned<V>) rows.get(table).get(key));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
      NavigableSet<String> keys = indexes.get(index).get(indexKey);
      if (keys == null) {
        return List.of();
      }
      List<Versioned<V>> out = new ArrayList<>();
      Map<String, Versioned<?>> table = rows.get(index.table());
      for (String k : keys) {
        Versioned<V> v = (Versioned<V>) table.get(k);
        if (v != null) {
          out.add(v);
        }
      }
      return out;
    }
  }
}
