package io.spaceduck.api;

import java.util.List;

/** Agent bonds (B1–B3). An operator governs only its own bonds; admins govern all. */
public interface Bonds {
  /**
   * B1: a T2 operator bonds a new agent at {@code tier} (T0 "bonded without trust" up to the
   * operator's own tier; T3 only with {@link Feature#T3_AUTOMATION}): bond, agent, certificate,
   * first key and audit event in one unit. The raw key is returned this once.
   */
  BondResult bond(BeakKey caller, String agentName, Tier tier);

  /** B2: revokes the bond and with it all its keys, immediately. */
  Bond revoke(BeakKey caller, BondId bond, ReasonCode reason);

  /** A bond the caller governs (or its own, for an agent). */
  Bond get(BeakKey caller, BondId bond);

  /** The caller's own bonds as operator. */
  List<Bond> list(BeakKey caller);
}
