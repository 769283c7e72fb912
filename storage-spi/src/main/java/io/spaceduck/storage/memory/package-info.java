/**
 * The in-memory reference store, {@link io.spaceduck.storage.memory.InMemoryStorage}: thread-safe,
 * not durable, and the definition of the semantics every other backend must match (the conformance
 * kit checks them against it). Opened by URI {@code memory:}.
 */
@NullMarked
package io.spaceduck.storage.memory;

import org.jspecify.annotations.NullMarked;
