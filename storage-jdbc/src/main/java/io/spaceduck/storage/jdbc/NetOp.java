package io.spaceduck.storage.jdbc;

import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.WriteSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The net effect of one unit on one row, as one conditional SQL statement: the unit's ops on the same
 * key folded together (insert then update is one insert at version 2). A fold that contradicts itself
 * (an update of a row the unit deleted) is a conflict before the database is asked.
 */
record NetOp(Kind kind, Table<?> table, String key, long expected, @Nullable Object value, long version) {
  enum Kind {
    /** The row must exist at {@code expected}; locked against change until commit. */
    CHECK,
    /** The row must not exist (the unit inserted and deleted it). */
    ABSENT,
    /** Delete the row at {@code expected}. */
    DELETE,
    /** Replace the row at {@code expected} by {@code value} at {@code version}. */
    UPDATE,
    /** Insert {@code value} at {@code version}; the key must be free. */
    INSERT
  }

  private record Slot(Table<?> table, String key) {}

  private static final class State {
    final boolean existedBefore;
    final long before;
    boolean exists;
    long version;
    @Nullable Object value;
    boolean written;

    State(boolean existedBefore, long before) {
      this.existedBefore = existedBefore;
      this.before = before;
      this.exists = existedBefore;
      this.version = before;
    }
  }

  /**
   * @throws StorageConflictException if the ops contradict each other
   */
  static List<NetOp> fold(List<WriteSet.Op> ops) {
    Map<Slot, State> slots = new LinkedHashMap<>();
    for (WriteSet.Op op : ops) {
      Slot slot = new Slot(op.table(), op.key());
      State s = slots.get(slot);
      if (s == null) {
        s = op.kind() == WriteSet.Kind.INSERT ? new State(false, 0) : new State(true, op.expectedVersion());
        slots.put(slot, s);
      }
      switch (op.kind()) {
        case INSERT -> {
          if (s.exists) {
            throw new StorageConflictException(op.table() + ": key exists");
          }
          s.exists = true;
          s.version = 1;
          s.value = op.value();
          s.written = true;
        }
        case UPDATE -> {
          if (!s.exists || s.version != op.expectedVersion()) {
            throw new StorageConflictException(op.table() + ": version changed");
          }
          s.version = op.expectedVersion() + 1;
          s.value = op.value();
          s.written = true;
        }
        case DELETE -> {
          if (!s.exists || s.version != op.expectedVersion()) {
            throw new StorageConflictException(op.table() + ": version changed");
          }
          s.exists = false;
          s.value = null;
          s.written = true;
        }
        case CHECK -> {
          if (!s.exists || s.version != op.expectedVersion()) {
            throw new StorageConflictException(op.table() + ": read condition failed");
          }
        }
      }
    }
    List<NetOp> out = new ArrayList<>(slots.size());
    for (Map.Entry<Slot, State> e : slots.entrySet()) {
      Table<?> t = e.getKey().table();
      String k = e.getKey().key();
      State s = e.getValue();
      Kind kind;
      if (!s.existedBefore) {
        kind = s.exists ? Kind.INSERT : Kind.ABSENT;
      } else if (!s.exists) {
        kind = Kind.DELETE;
      } else {
        kind = s.written ? Kind.UPDATE : Kind.CHECK;
      }
      out.add(new NetOp(kind, t, k, s.before, s.value, s.version));
    }
    return out;
  }
}
