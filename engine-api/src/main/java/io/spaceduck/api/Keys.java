package io.spaceduck.api;

import java.util.List;

/** Beak Keys (K1–K6). */
public interface Keys {
  /**
   * K3: issues a new key for the target's identity (or bond); the target keeps working for the
   * configured grace period, then never again. Allowed on one's own key, and for an operator on keys
   * of agents it governs.
   */
  IssuedKey rotate(BeakKey caller, KeyId target);

  /**
   * K4: revokes the key; its next call fails, on every engine instance sharing the store. Allowed on
   * one's own key, for an operator on its agents' keys, and for an admin on any key.
   */
  KeyInfo revoke(BeakKey caller, KeyId target, ReasonCode reason);

  /** K5 (admin): revokes a compromised key and issues its replacement in one action. */
  IssuedKey replace(BeakKey caller, KeyId target, ReasonCode reason);

  /** The keys of {@code owner} (self, a governed agent, or anyone for an admin); never secrets. */
  List<KeyInfo> list(BeakKey caller, IdentityId owner);
}
