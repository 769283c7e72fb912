package io.spaceduck.api;

/**
 * Trust tiers, ordered (SPEC §1). A tier is only ever held when explicitly granted (I1); an agent's
 * tier is never above its operator's.
 */
public enum Tier {
  /** Egg: anonymous hatch session, or an agent bonded without trust. */
  T0("Egg"),
  /** Duckling: hatch completed, email verified. */
  T1("Duckling"),
  /** Duck: an operator, promoted explicitly by another T2 operator or an admin. */
  T2("Duck"),
  /** Mighty Space Duck: standing autonomy for an agent; only with feature {@code T3_AUTOMATION}. */
  T3("Mighty Space Duck");

  private final String displayName;

  Tier(String displayName) {
    this.displayName = displayName;
  }

  /** The human name of the tier, e.g. "Duckling". */
  public String displayName() {
    return displayName;
  }

  /** Whether this tier is the same as or above {@code other}. */
  public boolean atLeast(Tier other) {
    return compareTo(other) >= 0;
  }
}
