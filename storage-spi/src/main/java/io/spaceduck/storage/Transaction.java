package io.spaceduck.storage;

import java.util.List;
import java.util.Optional;

/**
 * The view a {@link UnitOfWork} has of the store. Reads see committed state plus the unit's own
 * writes. Writes are conditions checked at commit: if any fails, the whole unit fails with {@link
 * StorageConflictException} and nothing is applied. Not thread-safe: used by one unit on one thread.
 */
public interface Transaction {
  <V> Optional<Versioned<V>> get(Table<V> table, String key);

  /** Values whose index key equals {@code indexKey}, in primary-key order. */
  <V> List<Versioned<V>> findBy(Index<V> index, String indexKey);

  /** Inserts at version 1; conflicts if the key or a unique index key is taken at commit. */
  <V> void insert(Table<V> table, V value);

  /**
   * Replaces {@code current} by {@code next} (same key) at version {@code current.version() + 1};
   * conflicts if the stored version is no longer {@code current.version()} at commit.
   */
  <V> void update(Table<V> table, Versioned<V> current, V next);

  /** Deletes {@code current}; conflicts if the stored version changed. Not offered for audit events. */
  <V> void delete(Table<V> table, Versioned<V> current);

  /** Requires {@code current} to be unchanged at commit, without writing it (a read condition). */
  <V> void check(Table<V> table, Versioned<V> current);

  /**
   * Appends an audit event. At commit the store assigns the next {@code seq}, links the current head
   * hash as {@code prev_hash} and computes the hash with {@link AuditChain}, under its own
   * serialization, so that the chain stays one linear sequence across threads and instances (A5).
   */
  void appendAudit(AuditDraft draft);
}
