package io.spaceduck.api;

/**
 * An open trust engine: the one object a host keeps. Obtain it with {@link #builder()}.
 *
 * <p>Every operation except the two hatch steps and the one-time bootstrap takes the caller's {@link
 * BeakKey} and verifies it on that call (zero trust): there is no session, and a revoked key fails on
 * its very next call (I3). Every state change is one atomic storage unit together with its audit
 * event (I4). Refusals are {@link SpaceDuckException}s.
 *
 * <p>Thread-safe: share one instance across the host's threads. Several instances (in one or many
 * processes) may share a store that supports it (JDBC); the chain stays linear (A5).
 */
public interface SpaceDuck extends AutoCloseable {
  /** Starts configuring an engine. */
  static SpaceDuckBuilder builder() {
    return new SpaceDuckBuilder();
  }

  /**
   * Authenticates a raw key (K1, K6): one keyed lookup and a constant-time MAC comparison, no ECDSA,
   * no scan. Counts against the caller's rate limit (R1).
   *
   * @throws Unauthenticated if the key is malformed, unknown, expired, revoked, or its identity or
   *     bond is no longer active — always with the same message
   * @throws RateLimited if the caller exceeded its rate limit
   */
  Principal authenticate(BeakKey key);

  /** Hatching (H1–H5). */
  Hatching hatching();

  /** Birth certificates (C1–C5). */
  Certificates certificates();

  /** Beak Keys (K1–K6). */
  Keys keys();

  /** Bonds (B1–B3). */
  Bonds bonds();

  /** Identity records and tier promotion. */
  Identities identities();

  /** The audit chain (A1–A5). */
  Audit audit();

  /** The Peck Protocol and session tokens (P1–P7). */
  Pecks pecks();

  /** Pulses (U1–U3). */
  Pulses pulses();

  /** Platform-wide blocks and operator block lists. */
  Blocks blocks();

  /** Bootstrap and signing-key management. */
  Admin admin();

  /** The engine version recorded in certificates and audit events (from the jar manifest). */
  String engineVersion();

  /** Releases the engine (and the store, unless configured otherwise). Idempotent. */
  @Override
  void close();
}
