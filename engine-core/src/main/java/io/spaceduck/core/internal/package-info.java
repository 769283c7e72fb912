/**
 * Implementation of the engine; not API. Open {@link io.spaceduck.core.internal.Core} first: it wires
 * the store, keysets, clock and policy to the two paths every call takes — {@code Authenticator}
 * (one keyed lookup, a constant-time MAC compare) and {@code Governance} (permission check, one atomic
 * unit with its audit event, retried on conflict, denied attempts audited) — and to {@code Issuer}
 * (certificates, keys, session tokens). The sub-API classes ({@code HatchingImpl}, {@code KeysImpl},
 * …) are thin rule checks on top; the Peck Protocol is {@code PecksImpl} over {@code PeckTransitions},
 * {@code PeckSessions} and {@code StandingRules}.
 */
@NullMarked
package io.spaceduck.core.internal;

import org.jspecify.annotations.NullMarked;
