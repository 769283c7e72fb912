package io.spaceduck.api;

import java.util.List;

/**
 * Blocks: an admin blocks an identity platform-wide (it then fails everywhere its tier would let it
 * act); an operator keeps a block list for its agents (blocked identities — or every agent of a
 * blocked operator — cannot peck them). All changes are audited.
 */
public interface Blocks {
  /** Admin: blocks {@code target} platform-wide and closes its active pecks. */
  Block blockPlatformWide(BeakKey caller, IdentityId target, ReasonCode reason);

  /** Admin: lifts a platform-wide block. */
  void unblockPlatformWide(BeakKey caller, IdentityId target, ReasonCode reason);

  /** Operator: adds {@code target} to the caller's block list. */
  Block block(BeakKey caller, IdentityId target, ReasonCode reason);

  /** Operator: removes {@code target} from the caller's block list. */
  void unblock(BeakKey caller, IdentityId target, ReasonCode reason);

  /** The caller's block list (an admin also sees platform-wide blocks). */
  List<Block> list(BeakKey caller);
}
