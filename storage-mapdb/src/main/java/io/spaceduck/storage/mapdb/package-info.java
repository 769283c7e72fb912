/**
 * The embedded default store over MapDB 3.1.0. Open {@link io.spaceduck.storage.mapdb.MapDbStorage}
 * first: one file with a commit journal, exclusive to one process, where units are validated
 * and applied by a single writer thread and made durable in batches (group commit). {@link
 * io.spaceduck.storage.mapdb.MapDbStorageProvider} opens it by URI {@code mapdb:/path/to/store.db}.
 * Depends on {@code storage-spi} and MapDB only, never on the engine core; {@code docs/storage.md}
 * covers files, durability, backups and upgrades.
 */
@NullMarked
package io.spaceduck.storage.mapdb;

import org.jspecify.annotations.NullMarked;
