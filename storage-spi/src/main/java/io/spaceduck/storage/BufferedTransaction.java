package io.spaceduck.storage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link Transaction} that buffers writes in a {@link WriteSet} and overlays them on committed
 * reads, for backends that apply a unit only once it has succeeded (in-memory, MapDB). Nothing reaches
 * the store until the backend validates and applies {@link #writeSet()}.
 */
public final class BufferedTransaction implements Transaction {
  private final CommittedView committed;
  private final WriteSet writes = new WriteSet();
  private final Map<WriteSet.Slot, Optional<Versioned<?>>> overlay = new HashMap<>();

  public BufferedTransaction(CommittedView committed) {
    this.committed = Objects.requireNonNull(committed);
  }

  /** What the unit asked for; validate and apply it under the backend's write serialization. */
  public WriteSet writeSet() {
    return writes;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    Objects.requireNonNull(key, "key");
    Optional<Versioned<?>> o = overlay.get(new WriteSet.Slot(table, key));
    if (o != null) {
      return o.map(v -> (Versioned<V>) v);
    }
    return committed.get(table, key);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
    Table<V> table = index.table();
    TreeMap<String, Versioned<V>> result = new TreeMap<>();
    for (Versioned<V> v : committed.findBy(index, indexKey)) {
      result.put(table.keyOf(v.value()), v);
    }
    for (Map.Entry<WriteSet.Slot, Optional<Versioned<?>>> e : overlay.entrySet()) {
      if (e.getKey().table() != table) {
        continue;
      }
      String key = e.getKey().key();
      Optional<Versioned<?>> now = e.getValue();
      if (now.isPresent() && index.keyOf((V) now.get().value()).map(indexKey::equals).orElse(false)) {
        result.put(key, (Versioned<V>) now.get());
      } else {
        result.remove(key);
      }
    }
    return new ArrayList<>(result.values());
  }

  @Override
  public <V> void insert(Table<V> table, V value) {
    String key = table.keyOf(table.cast(value));
    writes.add(new WriteSet.Op(WriteSet.Kind.INSERT, table, key, 0, value));
    overlay.put(new WriteSet.Slot(table, key), Optional.of(new Versioned<>(value, 1)));
  }

  @Override
  public <V> void update(Table<V> table, Versioned<V> current, V next) {
    String key = table.keyOf(current.value());
    if (!key.equals(table.keyOf(table.cast(next)))) {
      throw new IllegalArgumentException("update must keep the primary key");
    }
    writes.add(new WriteSet.Op(WriteSet.Kind.UPDATE, table, key, current.version(), next));
    overlay.put(new WriteSet.Slot(table, key), Optional.of(new Versioned<>(next, current.version() + 1)));
  }

  @Override
  public <V> void delete(Table<V> table, Versioned<V> current) {
    String key = table.keyOf(current.value());
    writes.add(new WriteSet.Op(WriteSet.Kind.DELETE, table, key, current.version(), null));
    overlay.put(new WriteSet.Slot(table, key), Optional.empty());
  }

  @Override
  public <V> void check(Table<V> table, Versioned<V> current) {
    writes.add(new WriteSet.Op(WriteSet.Kind.CHECK, table, table.keyOf(current.value()), current.version(), null));
  }

  @Override
  public void appendAudit(AuditDraft draft) {
    writes.addAudit(draft);
  }
}
