package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pulse}, {@code pulses}, {@code stale}: U1 and U2 with the injected clock. */
class PulseAndStaleTest {
  @TempDir Path dir;
  DuckRunner duck;
  String[] op;
  String[] scout;
  String[] idle;

  @BeforeEach
  void setUp() {
    duck = new DuckRunner(dir);
    String admin = duck.init();
    op = duck.operator(admin, "Ada");
    scout = duck.bond(op[1], "scout", "T1");
    idle = duck.bond(op[1], "idle", "T0");
  }

  @Test
  @Tag("U2")
  void stale_listsAgentsWithoutARecentPulse() {
    duck.as(scout[1], "pulse", "ok: 3 tasks").ok();
    String fresh = duck.as(op[1], "stale").ok().out();
    assertTrue(fresh.contains(idle[0] + " " + idle[4] + " never pulsed"), fresh);
    assertTrue(!fresh.contains(scout[0]), fresh);

    duck.clock.advance(Duration.ofMinutes(6));
    String later = duck.as(op[1], "stale").ok().out();
    assertTrue(later.contains(scout[0] + " " + scout[4] + " last pulse 2026-01-01T00:00:00Z ok: 3 tasks"), later);
    assertTrue(!duck.as(op[1], "stale", "--threshold", "10m").ok().out().contains(scout[0]));
  }

  @Test
  @Tag("U1")
  void pulses_newestFirst_andAnEggMayPulse() {
    duck.as(idle[1], "pulse", "first").ok();
    duck.clock.advance(Duration.ofSeconds(30));
    duck.as(idle[1], "pulse", "second").ok();
    DuckRunner.Result r = duck.as(op[1], "pulses", idle[0]).ok();
    assertEquals("2026-01-01T00:00:30Z second", r.lines().get(0));
    assertEquals("2026-01-01T00:00:00Z first", r.lines().get(1));
  }

  @Test
  void pulse_byADuckling_isForbidden_andABadStatusIsInvalidInput() {
    duck.as(op[1], "pulse", "hi").fails(ExitCodes.FORBIDDEN);
    duck.as(scout[1], "pulse", "x".repeat(300)).fails(ExitCodes.INVALID_INPUT);
  }

  @Test
  void stale_json_isAnArray() {
    String out = duck.as(op[1], "stale", "--json").ok().out().strip();
    assertTrue(out.startsWith("[{\"agent_id\":"), out);
  }
}
