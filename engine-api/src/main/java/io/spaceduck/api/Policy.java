package io.spaceduck.api;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The permission table of SPEC §1 as data. {@link #defaults()} is the spec's table; a host may
 * tighten any rule (higher minimum tier, fewer identity kinds, admin only) through {@link
 * #builder()}, but never loosen one below the default: the builder refuses a looser rule the moment
 * it is set, naming the permission. The
 * invariants I1–I8 are enforced by the engine whatever the policy says (e.g. no self-promotion, no
 * key above its identity's tier).
 *
 * <p>Immutable and thread-safe.
 */
public final class Policy {
  /**
   * One rule: who may hold a permission.
   *
   * @param minTier the lowest tier allowed
   * @param kinds the identity kinds allowed
   * @param adminOnly whether the {@link Role#ADMIN} role is required as well
   */
  public record Rule(Tier minTier, Set<IdentityKind> kinds, boolean adminOnly) {
    /**
     * @throws NullPointerException if {@code minTier}, {@code kinds} or one of its elements is null
     * @throws IllegalArgumentException if {@code kinds} is empty
     */
    public Rule {
      Objects.requireNonNull(minTier, "minTier");
      for (IdentityKind k : Objects.requireNonNull(kinds, "kinds")) {
        Objects.requireNonNull(k, "kinds");
      }
      kinds = Set.copyOf(kinds);
      if (kinds.isEmpty()) {
        throw new IllegalArgumentException("kinds must allow at least one identity kind, was []");
      }
    }

    /** Whether this rule is at least as strict as {@code other}. */
    public boolean atLeastAsStrictAs(Rule other) {
      return minTier.atLeast(other.minTier)
          && other.kinds.containsAll(kinds)
          && (adminOnly || !other.adminOnly);
    }
  }

  private static final Set<IdentityKind> BOTH = EnumSet.allOf(IdentityKind.class);
  private static final Set<IdentityKind> DUCKLINGS = EnumSet.of(IdentityKind.DUCKLING);
  private static final Set<IdentityKind> AGENTS = EnumSet.of(IdentityKind.AGENT);
  private static final Policy DEFAULTS = createDefaults();

  private final Map<Permission, Rule> rules;

  private Policy(Map<Permission, Rule> rules) {
    this.rules = Map.copyOf(rules);
  }

  private static Policy createDefaults() {
    Map<Permission, Rule> m = new EnumMap<>(Permission.class);
    m.put(Permission.READ_SELF, new Rule(Tier.T0, BOTH, false));
    m.put(Permission.LOOKUP_CERT, new Rule(Tier.T1, BOTH, false));
    m.put(Permission.MANAGE_OWN_KEYS, new Rule(Tier.T1, BOTH, false));
    m.put(Permission.BOND_AGENT, new Rule(Tier.T2, DUCKLINGS, false));
    m.put(Permission.REVOKE_BOND, new Rule(Tier.T2, DUCKLINGS, false));
    m.put(Permission.MANAGE_AGENT_KEYS, new Rule(Tier.T2, DUCKLINGS, false));
    m.put(Permission.PROMOTE, new Rule(Tier.T2, DUCKLINGS, false));
    m.put(Permission.READ_AUDIT, new Rule(Tier.T2, DUCKLINGS, false));
    m.put(Permission.REPLACE_KEY, new Rule(Tier.T2, DUCKLINGS, true));
    m.put(Permission.VERIFY_AUDIT, new Rule(Tier.T2, DUCKLINGS, true));
    m.put(Permission.MANAGE_SIGNING_KEYS, new Rule(Tier.T2, DUCKLINGS, true));
    m.put(Permission.PECK_REQUEST, new Rule(Tier.T1, AGENTS, false));
    m.put(Permission.PECK_SPONSOR, new Rule(Tier.T2, AGENTS, false));
    m.put(Permission.PECK_RESPOND, new Rule(Tier.T1, AGENTS, false));
    m.put(Permission.PECK_APPROVE, new Rule(Tier.T2, DUCKLINGS, false));
    m.put(Permission.PECK_CLOSE, new Rule(Tier.T1, BOTH, false));
    m.put(Permission.MANAGE_STANDING_RULES, new Rule(Tier.T2, DUCKLINGS, false));
    m.put(Permission.PULSE, new Rule(Tier.T0, AGENTS, false));
    m.put(Permission.READ_PULSES, new Rule(Tier.T1, DUCKLINGS, false));
    m.put(Permission.BLOCK, new Rule(Tier.T2, DUCKLINGS, false));
    m.put(Permission.BLOCK_PLATFORM, new Rule(Tier.T2, DUCKLINGS, true));
    m.put(Permission.REQUEST_DELETION, new Rule(Tier.T1, DUCKLINGS, false));
    m.put(Permission.DELETE_IDENTITY, new Rule(Tier.T2, DUCKLINGS, true));
    for (Permission p : Permission.values()) {
      if (!m.containsKey(p)) {
        throw new AssertionError("no default rule for " + p);
      }
    }
    return new Policy(m);
  }

  /** The default table of SPEC §1. */
  public static Policy defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder(DEFAULTS.rules);
  }

  /** The rule for {@code permission}. */
  public Rule rule(Permission permission) {
    return rules.get(permission);
  }

  /** Whether an identity of this tier, kind and admin role holds {@code permission}. */
  public boolean allows(Permission permission, Tier tier, IdentityKind kind, boolean admin) {
    Rule r = rules.get(permission);
    return tier.atLeast(r.minTier) && r.kinds.contains(kind) && (admin || !r.adminOnly);
  }

  /** Whether {@code principal} holds {@code permission}. */
  public boolean allows(Permission permission, Principal principal) {
    return allows(permission, principal.tier(), principal.kind(), principal.isAdmin());
  }

  @Override
  public String toString() {
    return "Policy" + new java.util.TreeMap<>(rules);
  }

  /**
   * Tightens rules. Each rule is checked when it is set: a rule looser than the default is refused
   * with an {@link IllegalArgumentException} naming its permission, and the builder keeps the rule
   * it had. Not thread-safe.
   */
  public static final class Builder {
    private final Map<Permission, Rule> rules;

    private Builder(Map<Permission, Rule> start) {
      this.rules = new EnumMap<>(start);
    }

    /**
     * Replaces the rule for {@code permission}.
     *
     * @throws IllegalArgumentException if {@code rule} is looser than the default rule of {@code
     *     permission} (a lower tier, another identity kind, or admin-only dropped)
     */
    public Builder rule(Permission permission, Rule rule) {
      Objects.requireNonNull(permission, "permission");
      Objects.requireNonNull(rule, "rule");
      Rule floor = DEFAULTS.rule(permission);
      if (!rule.atLeastAsStrictAs(floor)) {
        throw new IllegalArgumentException(
            "policy rule " + permission + " may only tighten the default " + floor + ", was " + rule);
      }
      rules.put(permission, rule);
      return this;
    }

    /**
     * Raises the minimum tier of {@code permission}.
     *
     * @throws IllegalArgumentException if {@code minTier} is below the default's
     */
    public Builder requireTier(Permission permission, Tier minTier) {
      Rule r = current(permission);
      return rule(permission, new Rule(Objects.requireNonNull(minTier, "minTier"), r.kinds(), r.adminOnly()));
    }

    /**
     * Restricts {@code permission} to the given identity kinds.
     *
     * @throws IllegalArgumentException if a kind is one the default does not allow
     */
    public Builder onlyKinds(Permission permission, IdentityKind first, IdentityKind... rest) {
      Rule r = current(permission);
      Objects.requireNonNull(first, "kinds");
      for (IdentityKind k : Objects.requireNonNull(rest, "kinds")) {
        Objects.requireNonNull(k, "kinds");
      }
      return rule(permission, new Rule(r.minTier(), EnumSet.of(first, rest), r.adminOnly()));
    }

    /** Makes {@code permission} admin-only. */
    public Builder adminOnly(Permission permission) {
      Rule r = current(permission);
      return rule(permission, new Rule(r.minTier(), r.kinds(), true));
    }

    private Rule current(Permission permission) {
      return rules.get(Objects.requireNonNull(permission, "permission"));
    }

    /** The policy of the rules set so far (each was checked when it was set). */
    public Policy build() {
      return new Policy(rules);
    }
  }
}
