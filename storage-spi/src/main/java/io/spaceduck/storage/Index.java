package io.spaceduck.storage;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A secondary index over a table: a function from a value to an optional index key. A {@linkplain
 * #unique() unique} index refuses (as a conflict) a second value with the same index key; a value
 * whose index key is empty is simply not indexed.
 */
public final class Index<V> {
  private final String name;
  private final boolean unique;
  private final Function<V, Optional<String>> keyOf;
  private Table<V> table;

  Index(String name, boolean unique, Function<V, Optional<String>> keyOf) {
    this.name = Objects.requireNonNull(name);
    this.unique = unique;
    this.keyOf = Objects.requireNonNull(keyOf);
  }

  void attach(Table<V> t) {
    this.table = t;
  }

  public String name() {
    return name;
  }

  public boolean unique() {
    return unique;
  }

  public Table<V> table() {
    return table;
  }

  /** The index key of {@code value}, if it is indexed. */
  public Optional<String> keyOf(V value) {
    return keyOf.apply(value);
  }

  @Override
  public String toString() {
    return table.name() + "." + name;
  }
}
