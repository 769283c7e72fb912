package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bond}, {@code bonds}, {@code unbond}, {@code promote}, {@code whoami} end to end. */
class BondAndPromoteTest {
  @TempDir Path dir;
  DuckRunner duck;
  String admin;

  @BeforeEach
  void setUp() {
    duck = new DuckRunner(dir);
    admin = duck.init();
  }

  @Test
  @Tag("B1")
  void operator_bondsAnAgent_whoseKeyAuthenticatesAsTheAgent() {
    String[] op = duck.operator(admin, "Ada");
    DuckRunner.Result r = duck.as(op[1], "bond", "scout").ok();
    assertEquals("scout", r.field("agent name"));
    assertEquals("active", r.field("status"));
    String agentKey = r.field("key");
    DuckRunner.Result me = duck.as(agentKey, "whoami").ok();
    assertEquals("agent", me.field("kind"));
    assertEquals(op[0], me.field("operator id"));
    assertTrue(duck.as(op[1], "bonds").ok().out().contains(r.field("bond id") + " " + r.field("agent id") + " active scout"));
  }

  @Test
  @Tag("I1")
  void duckling_atT1_cannotBond() {
    String[] d = duck.hatch("Grace");
    DuckRunner.Result r = duck.as(d[1], "bond", "stowaway").fails(ExitCodes.FORBIDDEN);
    assertTrue(r.err().startsWith("duck: forbidden: "), r.err());
  }

  @Test
  @Tag("I1")
  void agentTier_aboveTheOperators_isRefused() {
    String[] op = duck.operator(admin, "Ada");
    duck.as(op[1], "bond", "climber", "--tier", "T3").fails(ExitCodes.FORBIDDEN);
  }

  @Test
  @Tag("I2")
  void promotingOneself_isForbidden() {
    String[] d = duck.hatch("Grace");
    duck.as(d[1], "promote", d[0], "--tier", "T2").fails(ExitCodes.FORBIDDEN);
  }

  @Test
  @Tag("I7")
  void promotionToT3_isForbiddenWhileTheFeatureIsOff() {
    String[] op = duck.operator(admin, "Ada");
    String[] agent = duck.bond(op[1], "scout", "T1");
    duck.as(admin, "promote", agent[0], "--tier", "T3").fails(ExitCodes.FORBIDDEN);
  }

  @Test
  @Tag("C3")
  void promotion_issuesASupersedingCertificate() {
    String[] d = duck.hatch("Grace");
    String before = duck.as(d[1], "whoami").ok().field("current cert");
    DuckRunner.Result r = duck.as(admin, "promote", d[0], "--tier", "T2").ok();
    assertTrue(r.out().contains("supersedes " + before), r.out());
    assertEquals("T2", duck.as(d[1], "whoami").ok().field("tier"));
  }

  @Test
  @Tag("B2")
  void unbond_revokesEveryKeyOfTheBondAtOnce() {
    String[] op = duck.operator(admin, "Ada");
    String[] agent = duck.bond(op[1], "scout", "T1");
    duck.as(op[1], "unbond", agent[4], "--reason", "no_longer_needed").ok();
    duck.as(agent[1], "whoami").fails(ExitCodes.UNAUTHENTICATED);
    duck.as(op[1], "unbond", agent[4]).fails(ExitCodes.CONFLICT);
  }

  @Test
  @Tag("B3")
  void operator_cannotRevokeAnotherOperatorsBond() {
    String[] ada = duck.operator(admin, "Ada");
    String[] bob = duck.operator(admin, "Bob");
    String[] agent = duck.bond(ada[1], "scout", "T1");
    duck.as(bob[1], "unbond", agent[4]).fails(ExitCodes.FORBIDDEN);
  }

  @Test
  void promote_unknownIdentity_isNotFound() {
    duck.as(admin, "promote", "dk_aaaaaaaaaaaaaaaaaaaaaaaaaa").fails(ExitCodes.NOT_FOUND);
  }

  @Test
  void badReasonCode_isAUsageError_thatDoesNotEchoTheValue() {
    String[] op = duck.operator(admin, "Ada");
    String[] agent = duck.bond(op[1], "scout", "T1");
    DuckRunner.Result r = duck.as(op[1], "unbond", agent[4], "--reason", "Bad Reason!").fails(ExitCodes.USAGE);
    assertTrue(r.err().contains("reason code"), r.err());
  }
}
