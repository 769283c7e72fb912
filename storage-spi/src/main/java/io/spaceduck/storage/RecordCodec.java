package io.spaceduck.storage;

/**
 * Encodes a table's values to bytes for backends that store bytes (MapDB, JDBC). Encodings are
 * versioned by their first byte so that a later engine can still read them.
 */
public interface RecordCodec<V> {
  /**
   * @throws IllegalArgumentException if {@code value} holds text that is not well-formed Unicode
   */
  byte[] encode(V value);

  /**
   * @throws StorageException if the bytes are not a valid encoding
   */
  V decode(byte[] bytes);
}
