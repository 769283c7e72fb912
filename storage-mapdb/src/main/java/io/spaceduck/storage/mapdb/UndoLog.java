package io.spaceduck.storage.mapdb;

import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.mapdb.Serializer;

/**
 * The durable values of the entries of one MapDB collection that the batch in flight has changed: an
 * undo log that readers lay over MapDB's applied state so that they see only what is durable.
 *
 * <p>MapDB has one transaction per file and no isolation: once the writer applies a unit, every read
 * of the collection returns it, although the batch's commit point (the journal fsync) is still ahead
 * and may fail. So, as it applies, the writer remembers for every key it changes the value that key
 * had when the batch began (first change only — that value is durable), and readers take the
 * remembered value where there is one. When the batch is durable the writer clears the log, which
 * publishes the whole batch to readers at once. Keys compare as MapDB's {@code char[]} keys do ({@link
 * Serializer#CHAR_ARRAY}), so merged range reads come out in MapDB's order.
 *
 * <p>Not thread-safe: {@link MapDbStorage} changes it only under its write lock and reads it under its
 * read lock, the same locks that make a unit's MapDB writes atomic to readers.
 */
final class UndoLog {
  /** The key did not exist when the batch began. */
  static final byte[] ABSENT = new byte[0];

  /** A set entry that existed when the batch began (for index entries, which have no value). */
  static final byte[] PRESENT = new byte[0];

  private final TreeMap<char[], byte[]> before = new TreeMap<>(Serializer.CHAR_ARRAY);

  /** Whether the batch in flight changed nothing here: readers then read MapDB alone. */
  boolean isEmpty() {
    return before.isEmpty();
  }

  /**
   * Records that the writer changed {@code key}, whose value had been {@code previous} ({@code null}:
   * absent). Only the first change of a batch counts: later ones see values of the same batch.
   */
  void changed(char[] key, byte @Nullable [] previous) {
    if (!before.containsKey(key)) {
      before.put(key, previous == null ? ABSENT : previous);
    }
  }

  /** Records that the writer added ({@code added}) or removed a set entry, if that changed the set. */
  void changedEntry(char[] entry, boolean added, boolean changedSet) {
    if (changedSet) {
      changed(entry, added ? null : PRESENT);
    }
  }

  /** The durable value of {@code key} if the batch changed it ({@link #ABSENT} if there was none), else null. */
  byte @Nullable [] durable(char[] key) {
    return before.get(key);
  }

  /** Forgets the batch: it is durable, and readers may see MapDB's state as it is. */
  void clear() {
    before.clear();
  }

  /**
   * The durable entries in {@code [from, to)}: {@code applied} (MapDB's entries of that range, in key
   * order) with this batch's changes undone, in key order. Set entries have the value {@link #PRESENT}.
   */
  Iterator<Map.Entry<char[], byte[]>> durableRange(Iterator<Map.Entry<char[], byte[]>> applied, char[] from, char[] to) {
    Iterator<Map.Entry<char[], byte[]>> undo = before.subMap(from, true, to, false).entrySet().iterator();
    if (!undo.hasNext()) {
      return applied;
    }
    return new Merge(applied, undo);
  }

  /** Merges two key-ordered iterators; where both hold a key, the undo log's value wins. */
  private static final class Merge implements Iterator<Map.Entry<char[], byte[]>> {
    private final Iterator<Map.Entry<char[], byte[]>> applied;
    private final Iterator<Map.Entry<char[], byte[]>> undo;
    private Map.@Nullable Entry<char[], byte[]> a;
    private Map.@Nullable Entry<char[], byte[]> u;
    private Map.@Nullable Entry<char[], byte[]> next;

    Merge(Iterator<Map.Entry<char[], byte[]>> applied, Iterator<Map.Entry<char[], byte[]>> undo) {
      this.applied = applied;
      this.undo = undo;
      this.a = applied.hasNext() ? applied.next() : null;
      this.u = undo.hasNext() ? undo.next() : null;
      advance();
    }

    private void advance() {
      next = null;
      while (next == null && (a != null || u != null)) {
        int c = a == null ? 1 : u == null ? -1 : Serializer.CHAR_ARRAY.compare(a.getKey(), u.getKey());
        if (c < 0) { // the batch did not touch this key
          next = a;
          a = applied.hasNext() ? applied.next() : null;
        } else {
          // the batch changed (c == 0) or removed (c > 0) this key: the durable state is the undo log's
          Map.Entry<char[], byte[]> durable = u;
          if (durable.getValue() != ABSENT) {
            next = new AbstractMap.SimpleImmutableEntry<>(durable.getKey(), durable.getValue());
          }
          if (c == 0) {
            a = applied.hasNext() ? applied.next() : null;
          }
          u = undo.hasNext() ? undo.next() : null;
        }
      }
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public Map.Entry<char[], byte[]> next() {
      Map.Entry<char[], byte[]> n = next;
      if (n == null) {
        throw new NoSuchElementException();
      }
      advance();
      return n;
    }
  }
}
