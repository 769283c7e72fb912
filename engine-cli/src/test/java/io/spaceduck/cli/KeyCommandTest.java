package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code key rotate|revoke|replace|list}: K3, K4, K5 through the command line, time by the injected clock. */
class KeyCommandTest {
  @TempDir Path dir;
  DuckRunner duck;
  String admin;
  String[] op;
  String[] agent;

  @BeforeEach
  void setUp() {
    duck = new DuckRunner(dir);
    admin = duck.init();
    op = duck.operator(admin, "Ada");
    agent = duck.bond(op[1], "scout", "T1");
  }

  @Test
  @Tag("K3")
  void rotation_oldKeyWorksUntilGraceEnds() {
    DuckRunner.Result r = duck.as(op[1], "key", "rotate", agent[2], "--json").ok();
    String newKey = r.json("key");
    assertNotEquals(agent[1], newKey);
    assertEquals(agent[2], r.json("old_key_id"));
    duck.clock.advance(Duration.ofMinutes(14));
    duck.as(agent[1], "whoami").ok();
    duck.clock.advance(Duration.ofMinutes(2));
    duck.as(agent[1], "whoami").fails(ExitCodes.UNAUTHENTICATED);
    duck.as(newKey, "whoami").ok();
  }

  @Test
  @Tag("K3")
  void selfRotation_withoutAKeyId_rotatesTheCallersOwnKey() {
    DuckRunner.Result r = duck.as(agent[1], "key", "rotate", "--key-out", "scout.key").ok();
    assertEquals(agent[2], r.field("old key id"));
    duck.run("whoami", "--key-file", "scout.key").ok();
    String list = duck.as(op[1], "key", "list", agent[0]).ok().out();
    assertTrue(list.contains(agent[2] + " grace"), list);
  }

  @Test
  @Tag("K4")
  void revokedKey_failsOnNextCall() {
    duck.as(op[1], "key", "revoke", agent[2], "--reason", "compromised").ok();
    DuckRunner.Result r = duck.as(agent[1], "pulse", "alive").fails(ExitCodes.UNAUTHENTICATED);
    assertEquals("duck: unauthenticated: authentication failed", r.err().strip());
  }

  @Test
  @Tag("K6")
  void unknownAndMalformedKeys_failTheSameWay() {
    String unknown = "bk_" + "a".repeat(16) + "_" + "b".repeat(52);
    DuckRunner.Result a = duck.as(unknown, "whoami").fails(ExitCodes.UNAUTHENTICATED);
    DuckRunner.Result b = duck.as("garbage", "whoami").fails(ExitCodes.UNAUTHENTICATED);
    String last = agent[1].substring(agent[1].length() - 1);
    String altered = agent[1].substring(0, agent[1].length() - 1) + (last.equals("a") ? "b" : "a");
    DuckRunner.Result c = duck.as(altered, "whoami").fails(ExitCodes.UNAUTHENTICATED);
    assertEquals(a.err(), b.err());
    assertEquals(a.err(), c.err());
  }

  @Test
  @Tag("K5")
  void admin_replacesACompromisedKey_inOneAction() {
    DuckRunner.Result r = duck.as(admin, "key", "replace", agent[2], "--json").ok();
    assertEquals(agent[2], r.json("replaces"));
    duck.as(agent[1], "whoami").fails(ExitCodes.UNAUTHENTICATED);
    duck.as(r.json("key"), "whoami").ok();
  }

  @Test
  @Tag("K5")
  void operator_cannotReplace_onlyAnAdmin() {
    duck.as(op[1], "key", "replace", agent[2]).fails(ExitCodes.FORBIDDEN);
  }

  @Test
  @Tag("K2")
  void agentKey_cannotRotateItsOperatorsKey() {
    String opKeyId = duck.as(op[1], "whoami").ok().field("key id");
    duck.as(agent[1], "key", "rotate", opKeyId).fails(ExitCodes.FORBIDDEN);
  }

  @Test
  void list_showsKeysButNoSecret() {
    DuckRunner.Result r = duck.as(op[1], "key", "list", agent[0], "--json").ok();
    assertTrue(r.out().contains(agent[2]));
    assertTrue(!DuckRunner.RAW_KEY.matcher(r.out()).find());
  }

  @Test
  @Tag("K4")
  void list_showsARevokedKeysRevocationTime_labelled_notItsCreationTime() {
    duck.clock.advance(Duration.ofHours(3));
    duck.as(op[1], "key", "revoke", agent[2], "--reason", "compromised").ok();
    String line = duck.as(op[1], "key", "list", agent[0]).ok().lines().stream()
        .filter(l -> l.startsWith(agent[2])).findFirst().orElseThrow();
    String created = Render.time(DuckRunner.EPOCH);
    String revoked = Render.time(DuckRunner.EPOCH.plus(Duration.ofHours(3)));
    assertEquals(agent[2] + " revoked created " + created + " revoked " + revoked + " by " + op[0] + " reason compromised", line);
  }

  @Test
  @Tag("K3")
  void selfRotation_byAnEgg_saysWhatIsAllowed_andLeaksNothing() {
    String[] egg = duck.bond(op[1], "egg", "T0");
    DuckRunner.Result r = duck.as(egg[1], "key", "rotate").fails(ExitCodes.FORBIDDEN);
    assertTrue(r.err().contains("an Egg (T0) may only pulse and read its own record"), r.err());
    assertTrue(r.err().contains("its operator can: duck key rotate " + egg[2]), r.err());
    assertTrue(!r.err().contains(egg[1]) && !DuckRunner.RAW_KEY.matcher(r.err()).find(), r.err());
    // and what it says works: the operator rotates the Egg's key
    duck.as(op[1], "key", "rotate", egg[2]).ok();
  }

  @Test
  void malformedKeyId_isAUsageError() {
    duck.as(op[1], "key", "revoke", "x").fails(ExitCodes.USAGE);
  }
}
