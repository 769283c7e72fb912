/**
 * Implementation of the engine; not API. Open {@link io.spaceduck.core.internal.Core} first: it holds
 * the store, keysets, clock and policy, and the two paths every call takes — {@code authenticate}
 * (one keyed lookup, a constant-time MAC compare) and {@code govern} (permission check, one atomic
 * unit with its audit event, retried on conflict, denied attempts audited). The sub-API classes
 * ({@code HatchingImpl}, {@code KeysImpl}, …) are thin rule checks on top.
 */
@NullMarked
package io.spaceduck.core.internal;

import org.jspecify.annotations.NullMarked;
