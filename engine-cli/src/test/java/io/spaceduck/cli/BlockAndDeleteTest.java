package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code block}, {@code unblock}, {@code blocks}, {@code delete-identity}. */
class BlockAndDeleteTest {
  @TempDir Path dir;
  DuckRunner duck;
  String admin;
  String[] ada;
  String[] bob;
  String[] scout;
  String[] relay;

  @BeforeEach
  void setUp() {
    duck = new DuckRunner(dir);
    admin = duck.init();
    ada = duck.operator(admin, "Ada");
    bob = duck.operator(admin, "Bob");
    scout = duck.bond(ada[1], "scout", "T1");
    relay = duck.bond(bob[1], "relay", "T1");
  }

  @Test
  @Tag("P2")
  void blockList_refusesPecksFromTheBlocked_untilUnblocked() {
    duck.as(ada[1], "block", relay[0], "--reason", "policy_violation").ok();
    String list = duck.as(ada[1], "blocks").ok().out();
    assertTrue(list.startsWith(relay[0] + " operator " + ada[0]), list);
    duck.as(relay[1], "peck", "request", scout[3], "--scope", "chat:read").fails(ExitCodes.FORBIDDEN);
    duck.as(ada[1], "unblock", relay[0]).ok();
    duck.as(relay[1], "peck", "request", scout[3], "--scope", "chat:read").ok();
    duck.as(ada[1], "unblock", relay[0]).fails(ExitCodes.NOT_FOUND);
  }

  @Test
  void platformBlock_isForAdminsOnly_andStopsTheBlocked() {
    duck.as(ada[1], "block", "--platform", bob[0]).fails(ExitCodes.FORBIDDEN);
    duck.as(admin, "block", "--platform", bob[0]).ok();
    duck.as(bob[1], "bond", "another").fails(ExitCodes.FORBIDDEN);
    assertTrue(duck.as(admin, "blocks").ok().out().contains(bob[0] + " platform"));
    duck.as(admin, "unblock", "--platform", bob[0]).ok();
    duck.as(bob[1], "bond", "another").ok();
  }

  @Test
  @Tag("D1")
  void deletion_needsConfirmation_thenRevokesEverything() {
    DuckRunner.Result unconfirmed = duck.as(ada[1], "delete-identity", ada[0]).fails(ExitCodes.USAGE);
    assertTrue(unconfirmed.err().contains("--yes"), unconfirmed.err());
    duck.as(ada[1], "whoami").ok();

    DuckRunner.Result r = duck.as(ada[1], "delete-identity", ada[0], "--yes", "--json").ok();
    assertEquals("deleted", r.json("status"));
    duck.as(ada[1], "whoami").fails(ExitCodes.UNAUTHENTICATED);
    duck.as(scout[1], "pulse", "still here?").fails(ExitCodes.UNAUTHENTICATED);
    // certificates stay (D1): the admin still reads Ada's
    assertTrue(duck.as(admin, "cert", "list", ada[0]).ok().out().contains(ada[0]));
  }

  @Test
  @Tag("D1")
  void deletion_ofSomeoneElse_isForbidden_unlessAdmin() {
    duck.as(bob[1], "delete-identity", ada[0], "--yes").fails(ExitCodes.FORBIDDEN);
    duck.as(admin, "delete-identity", ada[0], "--yes").ok();
  }
}
