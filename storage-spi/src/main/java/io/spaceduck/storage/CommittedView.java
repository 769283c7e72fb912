package io.spaceduck.storage;

import java.util.List;
import java.util.Optional;

/** Committed reads, as a buffering backend exposes them to {@link BufferedTransaction} and {@link WriteSet}. */
public interface CommittedView {
  <V> Optional<Versioned<V>> get(Table<V> table, String key);

  <V> List<Versioned<V>> findBy(Index<V> index, String indexKey);
}
