package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peck …} and {@code session issue|verify}: the Peck Protocol through the command line. */
class PeckCommandTest {
  @TempDir Path dir;
  DuckRunner duck;
  String admin;
  String[] ada;
  String[] bob;
  String[] scout; // Ada's
  String[] relay; // Bob's

  @BeforeEach
  void setUp() {
    duck = new DuckRunner(dir);
    admin = duck.init();
    ada = duck.operator(admin, "Ada");
    bob = duck.operator(admin, "Bob");
    scout = duck.bond(ada[1], "scout", "T1");
    relay = duck.bond(bob[1], "relay", "T1");
  }

  private String request() {
    return duck.as(relay[1], "peck", "request", scout[3], "--scope", "chat:read,chat:write", "--duration", "2h", "--json").ok().json("peck_id");
  }

  @Test
  @Tag("P5")
  void fullPeck_sessionTokensVerify_untilTheClose() {
    String peck = request();
    DuckRunner.Result inbox = duck.as(scout[1], "peck", "inbox").ok();
    assertTrue(inbox.out().startsWith(peck + " requested " + relay[0] + " -> " + scout[0] + " scope chat:read,chat:write for 2h"), inbox.out());
    duck.as(scout[1], "peck", "accept", peck).ok();
    assertTrue(duck.as(ada[1], "peck", "pending").ok().out().contains(peck));
    DuckRunner.Result approved = duck.as(ada[1], "peck", "approve", peck).ok();
    assertTrue(approved.out().startsWith("approved peck " + peck + ": now active"), approved.out());

    DuckRunner.Result issued = duck.as(scout[1], "session", "issue", peck, "--out", "scout.token").ok();
    assertFalse(issued.out().contains("eyJ"), "the token went to the file");
    DuckRunner.Result ok = duck.run("session", "verify", "scout.token").ok();
    assertTrue(ok.out().startsWith("valid session of " + scout[0] + " with " + relay[0]), ok.out());
    String relayToken = duck.as(relay[1], "session", "issue", peck, "--json").ok().json("token");
    duck.run(Map.of(), relayToken + "\n", "session", "verify", "-").ok();

    duck.as(relay[1], "peck", "close", peck, "--reason", "no_longer_needed").ok();
    duck.run("session", "verify", "scout.token").fails(ExitCodes.UNAUTHENTICATED);
    assertEquals("closed", duck.as(ada[1], "peck", "show", peck, "--json").ok().json("state"));
  }

  @Test
  @Tag("P5")
  void sessionToken_expiresWithTheInjectedClock() {
    String peck = request();
    duck.as(scout[1], "peck", "accept", peck).ok();
    duck.as(ada[1], "peck", "approve", peck).ok();
    duck.as(scout[1], "session", "issue", peck, "--out", "t").ok();
    duck.clock.advance(Duration.ofHours(3));
    duck.run("session", "verify", "t").fails(ExitCodes.UNAUTHENTICATED);
  }

  @Test
  @Tag("P4")
  void requestersOperator_cannotApprove() {
    String peck = request();
    duck.as(scout[1], "peck", "accept", peck).ok();
    duck.as(bob[1], "peck", "approve", peck).fails(ExitCodes.FORBIDDEN);
    duck.as(relay[1], "peck", "approve", peck).fails(ExitCodes.FORBIDDEN);
  }

  @Test
  @Tag("P3")
  void onlyTheTarget_acceptsOrDeclines() {
    String peck = request();
    duck.as(relay[1], "peck", "accept", peck).fails(ExitCodes.FORBIDDEN);
    duck.as(scout[1], "peck", "decline", peck, "--reason", "busy").ok();
    duck.as(scout[1], "peck", "accept", peck).fails(ExitCodes.CONFLICT);
  }

  @Test
  @Tag("P4")
  void operator_rejects() {
    String peck = request();
    duck.as(scout[1], "peck", "accept", peck).ok();
    duck.as(ada[1], "peck", "reject", peck, "--reason", "policy_violation").ok();
    assertEquals("rejected", duck.as(relay[1], "peck", "show", peck, "--json").ok().json("state"));
    duck.as(relay[1], "session", "issue", peck).fails(ExitCodes.CONFLICT);
  }

  @Test
  @Tag("P7")
  void request_expiresAfterItsLifetime() {
    String peck = request();
    duck.clock.advance(Duration.ofHours(25));
    duck.as(scout[1], "peck", "accept", peck).fails(ExitCodes.CONFLICT);
  }

  @Test
  @Tag("P1")
  void duckling_cannotRequest_andScopeIsChecked() {
    duck.as(ada[1], "peck", "request", scout[3], "--scope", "chat:read").fails(ExitCodes.FORBIDDEN);
    duck.as(relay[1], "peck", "request", scout[3], "--scope", "NOT A SCOPE").fails(ExitCodes.INVALID_INPUT);
    duck.as(relay[1], "peck", "request", scout[3], "--scope", "chat:read", "--duration", "soon").fails(ExitCodes.USAGE);
    duck.as(relay[1], "peck", "request", "ct_aaaaaaaaaaaaaaaaaaaaaaaaaa", "--scope", "chat:read").fails(ExitCodes.NOT_FOUND);
  }

  @Test
  void emptyInbox_saysSoOnStderr() {
    DuckRunner.Result r = duck.as(scout[1], "peck", "inbox").ok();
    assertEquals("", r.out());
    assertTrue(r.err().contains("no requests waiting"));
    assertEquals("[]", duck.as(scout[1], "peck", "inbox", "--json").ok().out().strip());
  }
}
