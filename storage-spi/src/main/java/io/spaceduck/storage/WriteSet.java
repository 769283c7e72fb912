package io.spaceduck.storage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The buffered writes, read conditions and audit drafts of one unit, in call order. A buffering
 * backend (in-memory, MapDB) validates it under its write serialization with {@link
 * #validate(CommittedView)} and applies the resulting {@link Change}s and audit drafts — or nothing.
 * A backend that checks conditions in its own engine (JDBC: conditional SQL) reads the raw {@link
 * #ops()} instead.
 */
public final class WriteSet {
  /** What an {@link Op} asks for. */
  public enum Kind {
    INSERT,
    UPDATE,
    DELETE,
    CHECK
  }

  /**
   * One call of the unit: {@code expectedVersion} is the version an update, delete or check requires
   * (0 for an insert); {@code value} is the new value of an insert or update (null otherwise).
   */
  public record Op(Kind kind, Table<?> table, String key, long expectedVersion, @Nullable Object value) {}

  /** A primary-key slot. */
  public record Slot(Table<?> table, String key) {}

  /**
   * The net effect on one slot: its committed state before and its state after ({@code after} empty
   * when deleted). Backends maintain indexes from {@code before} and {@code after}.
   */
  public record Change(Table<?> table, String key, Optional<Versioned<?>> before, Optional<Versioned<?>> after) {}

  private final List<Op> ops = new ArrayList<>();
  private final List<AuditDraft> audits = new ArrayList<>();

  void add(Op op) {
    ops.add(op);
  }

  void addAudit(AuditDraft draft) {
    audits.add(Objects.requireNonNull(draft, "draft"));
  }

  /** The unit's writes and read conditions, in call order. */
  public List<Op> ops() {
    return java.util.Collections.unmodifiableList(ops);
  }

  /** The audit drafts in call order; the backend links them in this order after validation. */
  public List<AuditDraft> audits() {
    return List.copyOf(audits);
  }

  /** Whether the unit wrote nothing and appended nothing. */
  public boolean isEmpty() {
    return audits.isEmpty() && ops.stream().allMatch(o -> o.kind() == Kind.CHECK);
  }

  /**
   * Checks every condition against committed state (plus this unit's earlier ops) and returns the net
   * changes, in first-touch order. Must be called under the backend's write serialization.
   *
   * @throws StorageConflictException if any condition fails
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<Change> validate(CommittedView committed) {
    Map<Slot, Optional<Versioned<?>>> before = new LinkedHashMap<>();
    Map<Slot, Optional<Versioned<?>>> current = new HashMap<>();
    for (Op op : ops) {
      Slot slot = new Slot(op.table(), op.key());
      if (!current.containsKey(slot)) {
        Optional<Versioned<?>> c = (Optional) committed.get(op.table(), op.key());
        before.put(slot, c);
        current.put(slot, c);
      }
      Optional<Versioned<?>> now = current.get(slot);
      switch (op.kind()) {
        case INSERT -> {
          if (now.isPresent()) {
            throw new StorageConflictException(op.table() + ": key exists");
          }
          current.put(slot, Optional.of(new Versioned<>(op.value(), 1)));
        }
        case UPDATE -> {
          if (now.isEmpty() || now.get().version() != op.expectedVersion()) {
            throw new StorageConflictException(op.table() + ": version changed");
          }
          current.put(slot, Optional.of(new Versioned<>(op.value(), op.expectedVersion() + 1)));
        }
        case DELETE -> {
          if (now.isEmpty() || now.get().version() != op.expectedVersion()) {
            throw new StorageConflictException(op.table() + ": version changed");
          }
          current.put(slot, Optional.empty());
        }
        case CHECK -> {
          if (now.isEmpty() || now.get().version() != op.expectedVersion()) {
            throw new StorageConflictException(op.table() + ": read condition failed");
          }
        }
      }
    }
    List<Change> changes = new ArrayList<>();
    for (Map.Entry<Slot, Optional<Versioned<?>>> e : before.entrySet()) {
      Optional<Versioned<?>> after = current.get(e.getKey());
      if (!after.equals(e.getValue())) {
        changes.add(new Change(e.getKey().table(), e.getKey().key(), e.getValue(), after));
      }
    }
    checkUniqueIndexes(committed, changes);
    return changes;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void checkUniqueIndexes(CommittedView committed, List<Change> changes) {
    Map<String, String> claimed = new HashMap<>();
    Map<Slot, Change> bySlot = new HashMap<>();
    for (Change c : changes) {
      bySlot.put(new Slot(c.table(), c.key()), c);
    }
    for (Change c : changes) {
      if (c.after().isEmpty()) {
        continue;
      }
      Table table = c.table();
      for (Object o : table.indexes()) {
        Index index = (Index) o;
        if (!index.unique()) {
          continue;
        }
        Optional<String> ik = index.keyOf(c.after().get().value());
        if (ik.isEmpty()) {
          continue;
        }
        String claimKey = index + "\u0000" + ik.get();
        String prior = claimed.putIfAbsent(claimKey, c.key());
        if (prior != null && !prior.equals(c.key())) {
          throw new StorageConflictException(index + ": unique key taken");
        }
        for (Object h : committed.findBy(index, ik.get())) {
          String holderKey = table.keyOf(((Versioned) h).value());
          if (holderKey.equals(c.key())) {
            continue;
          }
          Change holderChange = bySlot.get(new Slot(table, holderKey));
          boolean released =
              holderChange != null
                  && holderChange.after().map(a -> !index.keyOf(((Versioned) a).value()).equals(ik)).orElse(true);
          if (!released) {
            throw new StorageConflictException(index + ": unique key taken");
          }
        }
      }
    }
  }
}
