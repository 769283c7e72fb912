package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The policy builder checks each rule when it is set (issue 16): a rule looser than the spec's
 * default — the bottom of its range — is refused at the setter, naming the permission, and the
 * builder keeps the rule it had. Tightening has no range to leave above: {@link Tier#T3}, one identity
 * kind and admin-only are the strictest a rule can be, and each is accepted.
 */
class PolicyTest {
  private static void assertNamesLoosened(Permission p, IllegalArgumentException e) {
    assertTrue(e.getMessage().startsWith("policy rule " + p + " may only tighten the default "), e.getMessage());
    assertTrue(e.getMessage().contains(", was Rule["), e.getMessage());
  }

  static Stream<Permission> aboveT0() {
    return Stream.of(Permission.values()).filter(p -> Policy.defaults().rule(p).minTier() != Tier.T0);
  }

  @ParameterizedTest
  @MethodSource("aboveT0")
  @Tag("I1")
  void aTierBelowTheDefault_isRefusedWhenSet_namingThePermission(Permission p) {
    Policy.Builder b = Policy.builder();
    Tier below = Tier.values()[Policy.defaults().rule(p).minTier().ordinal() - 1];
    assertNamesLoosened(p, assertThrows(IllegalArgumentException.class, () -> b.requireTier(p, below)));
    assertEquals(Policy.defaults().rule(p), b.build().rule(p)); // the refused rule was not kept
  }

  static Stream<Permission> oneKindOnly() {
    return Stream.of(Permission.values()).filter(p -> Policy.defaults().rule(p).kinds().size() == 1);
  }

  @ParameterizedTest
  @MethodSource("oneKindOnly")
  @Tag("I1")
  void aKindTheDefaultDoesNotAllow_isRefusedWhenSet_namingThePermission(Permission p) {
    IdentityKind allowed = Policy.defaults().rule(p).kinds().iterator().next();
    IdentityKind other = allowed == IdentityKind.AGENT ? IdentityKind.DUCKLING : IdentityKind.AGENT;
    Policy.Builder b = Policy.builder();
    assertNamesLoosened(p, assertThrows(IllegalArgumentException.class, () -> b.onlyKinds(p, other)));
    assertNamesLoosened(p, assertThrows(IllegalArgumentException.class, () -> b.onlyKinds(p, allowed, other)));
    assertEquals(Policy.defaults().rule(p), b.build().rule(p));
  }

  static Stream<Permission> adminOnlyByDefault() {
    return Stream.of(Permission.values()).filter(p -> Policy.defaults().rule(p).adminOnly());
  }

  @ParameterizedTest
  @MethodSource("adminOnlyByDefault")
  @Tag("I1")
  void droppingAdminOnly_isRefusedWhenSet_namingThePermission(Permission p) {
    Policy.Rule d = Policy.defaults().rule(p);
    Policy.Builder b = Policy.builder();
    assertNamesLoosened(p, assertThrows(IllegalArgumentException.class, () -> b.rule(p, new Policy.Rule(d.minTier(), d.kinds(), false))));
    assertEquals(d, b.build().rule(p));
  }

  @ParameterizedTest
  @EnumSource(Permission.class)
  void theStrictestRule_isAccepted(Permission p) {
    IdentityKind kind = Policy.defaults().rule(p).kinds().iterator().next();
    Policy policy = Policy.builder().requireTier(p, Tier.T3).onlyKinds(p, kind).adminOnly(p).build();
    assertEquals(new Policy.Rule(Tier.T3, Set.of(kind), true), policy.rule(p));
  }

  @Test
  void aRefusedRule_leavesTheRuleSetBefore() {
    Policy.Builder b = Policy.builder().requireTier(Permission.LOOKUP_CERT, Tier.T2);
    assertThrows(IllegalArgumentException.class, () -> b.requireTier(Permission.LOOKUP_CERT, Tier.T0));
    assertEquals(Tier.T2, b.build().rule(Permission.LOOKUP_CERT).minTier());
    // the floor is the default, not the rule set before: going back to the default is allowed
    assertEquals(Tier.T1, b.requireTier(Permission.LOOKUP_CERT, Tier.T1).build().rule(Permission.LOOKUP_CERT).minTier());
  }

  static Stream<Object[]> nullArguments() {
    Policy.Rule rule = Policy.defaults().rule(Permission.READ_SELF);
    return Stream.of(
        new Object[] {"permission", (Consumer<Policy.Builder>) b -> b.rule(null, rule)},
        new Object[] {"rule", (Consumer<Policy.Builder>) b -> b.rule(Permission.READ_SELF, null)},
        new Object[] {"permission", (Consumer<Policy.Builder>) b -> b.requireTier(null, Tier.T2)},
        new Object[] {"minTier", (Consumer<Policy.Builder>) b -> b.requireTier(Permission.READ_SELF, null)},
        new Object[] {"permission", (Consumer<Policy.Builder>) b -> b.onlyKinds(null, IdentityKind.AGENT)},
        new Object[] {"kinds", (Consumer<Policy.Builder>) b -> b.onlyKinds(Permission.READ_SELF, null)},
        new Object[] {"kinds", (Consumer<Policy.Builder>) b -> b.onlyKinds(Permission.READ_SELF, IdentityKind.AGENT, (IdentityKind) null)},
        new Object[] {"kinds", (Consumer<Policy.Builder>) b -> b.onlyKinds(Permission.READ_SELF, IdentityKind.AGENT, (IdentityKind[]) null)},
        new Object[] {"permission", (Consumer<Policy.Builder>) b -> b.adminOnly(null)});
  }

  @ParameterizedTest
  @MethodSource("nullArguments")
  void aNullArgument_isRefusedWhenSet_namingIt(String name, Consumer<Policy.Builder> set) {
    Policy.Builder b = Policy.builder();
    assertEquals(name, assertThrows(NullPointerException.class, () -> set.accept(b)).getMessage());
    assertEquals(Policy.defaults().toString(), b.build().toString());
  }

  @Test
  void aRule_refusesNoKindAndNulls_namingTheComponent() {
    assertEquals(
        "kinds must allow at least one identity kind, was []",
        assertThrows(IllegalArgumentException.class, () -> new Policy.Rule(Tier.T1, EnumSet.noneOf(IdentityKind.class), false)).getMessage());
    assertEquals("minTier", assertThrows(NullPointerException.class, () -> new Policy.Rule(null, Set.of(IdentityKind.AGENT), false)).getMessage());
    assertEquals("kinds", assertThrows(NullPointerException.class, () -> new Policy.Rule(Tier.T1, null, false)).getMessage());
    Set<IdentityKind> withNull = new HashSet<>();
    withNull.add(null);
    assertEquals("kinds", assertThrows(NullPointerException.class, () -> new Policy.Rule(Tier.T1, withNull, false)).getMessage());
  }
}
