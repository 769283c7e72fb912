package io.spaceduck.storage;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A named collection of values of one type, keyed by a string derived from the value. The set of
 * tables is fixed by {@link Tables}; backends iterate {@link Tables#ALL} to create their structures.
 */
public final class Table<V> {
  private final String name;
  private final Class<V> type;
  private final Function<V, String> keyOf;
  private final RecordCodec<V> codec;
  private final List<Index<V>> indexes;

  Table(String name, Class<V> type, Function<V, String> keyOf, RecordCodec<V> codec, List<Index<V>> indexes) {
    this.name = Objects.requireNonNull(name);
    this.type = Objects.requireNonNull(type);
    this.keyOf = Objects.requireNonNull(keyOf);
    this.codec = Objects.requireNonNull(codec);
    this.indexes = List.copyOf(indexes);
  }

  /** The table name: lowercase letters and underscores, stable forever. */
  public String name() {
    return name;
  }

  public Class<V> type() {
    return type;
  }

  /** The primary key of {@code value}. */
  public String keyOf(V value) {
    return keyOf.apply(value);
  }

  public RecordCodec<V> codec() {
    return codec;
  }

  /** Secondary indexes a backend must maintain for this table. */
  public List<Index<V>> indexes() {
    return indexes;
  }

  /** Checks that {@code value} belongs to this table and returns it typed. */
  public V cast(Object value) {
    return type.cast(value);
  }

  @Override
  public String toString() {
    return name;
  }
}
