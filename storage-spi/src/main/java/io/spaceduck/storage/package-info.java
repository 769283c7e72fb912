/**
 * The storage contract. Open {@link io.spaceduck.storage.Storage} first: a store runs atomic {@link
 * io.spaceduck.storage.UnitOfWork units} (state changes with compare-and-set on a version, plus audit
 * appends that the store numbers and links under its own serialization) and serves committed reads
 * by key. {@link io.spaceduck.storage.Tables} names every table the engine uses, with its codec and
 * indexes; {@link io.spaceduck.storage.AuditChain} is the canonical event encoding and hash rule.
 * Depends on {@code engine-api} only; backends depend on this package, never on the engine core.
 */
@NullMarked
package io.spaceduck.storage;

import org.jspecify.annotations.NullMarked;
