package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The gathering decision of the group committer ({@link Gathering}), on clock readings the test chooses. */
class GatheringTest {
  private static final long MICROS = 1_000;
  private static final Duration DELAY = Duration.ofNanos(150 * MICROS);
  private static final long T = 1_000_000_000L;

  @Test
  @DisplayName("expects the callers the last batch released plus those waiting then, and waits until release + delay")
  void expectsReleasedPlusWaiting() {
    Gathering g = new Gathering(DELAY, 512);
    g.released(5, 3, T, 700 * MICROS);
    assertEquals(8, g.expected());
    assertEquals(T + 150 * MICROS, g.deadline(5, false));
    assertEquals(T + 150 * MICROS, g.deadline(7, false));
    assertEquals(Gathering.NO_WAIT, g.deadline(8, false), "commits as soon as the expected units are there");
  }

  @Test
  @DisplayName("never waits longer than the last batch took from taken to released")
  void boundedByTheLastBatch() {
    Gathering g = new Gathering(DELAY, 512);
    g.released(4, 0, T, 20 * MICROS); // a fast database: a batch took 20 µs
    assertEquals(T + 20 * MICROS, g.deadline(1, false));
    g.released(4, 0, T, 0);
    assertEquals(Gathering.NO_WAIT, g.deadline(1, false));
  }

  @Test
  @DisplayName("a lone caller, a closing store, a zero delay and a first batch never wait; maxBatch caps the expectation")
  void neverWaits() {
    Gathering g = new Gathering(DELAY, 512);
    assertEquals(Gathering.NO_WAIT, g.deadline(1, false), "nothing released yet");
    g.released(1, 0, T, 700 * MICROS);
    assertEquals(1, g.expected());
    assertEquals(Gathering.NO_WAIT, g.deadline(1, false), "a lone caller expects only its own unit");
    g.released(4, 4, T, 700 * MICROS);
    assertEquals(Gathering.NO_WAIT, g.deadline(1, true), "closing");
    Gathering off = new Gathering(Duration.ZERO, 512);
    off.released(4, 4, T, 700 * MICROS);
    assertEquals(Gathering.NO_WAIT, off.deadline(1, false), "delay 0 is off");
    Gathering capped = new Gathering(DELAY, 3);
    capped.released(4, 4, T, 700 * MICROS);
    assertEquals(3, capped.expected());
    assertEquals(Gathering.NO_WAIT, capped.deadline(3, false));
  }

  @Test
  @DisplayName("waits that run out back off: k in a row skip the next 2^k - 1 gatherings (at most 63); a complete one resets")
  void backsOffAfterTimeouts() {
    Gathering g = new Gathering(DELAY, 512);
    g.released(4, 4, T, 700 * MICROS);
    for (int k = 1; k <= 8; k++) {
      assertTrue(g.deadline(1, false) != Gathering.NO_WAIT, "waits again after the skips (k=" + k + ")");
      g.waited(true);
      int skips = Math.min(63, (1 << k) - 1);
      for (int i = 0; i < skips; i++) {
        assertEquals(Gathering.NO_WAIT, g.deadline(1, false), "skip " + i + " of " + skips + " after " + k + " timeouts");
      }
    }
    assertEquals(1 + 3 + 7 + 15 + 31 + 63 + 63 + 63, g.skipped());
    assertTrue(g.deadline(1, false) != Gathering.NO_WAIT);
    g.waited(false);
    assertTrue(g.deadline(1, false) != Gathering.NO_WAIT, "a complete wait resets the back-off");
    g.waited(true);
    assertEquals(Gathering.NO_WAIT, g.deadline(1, false), "one timeout after the reset skips one gathering");
    assertTrue(g.deadline(1, false) != Gathering.NO_WAIT);
  }

  @Test
  @DisplayName("a batch that holds what it expects neither waits nor uses up a skip")
  void fullBatchKeepsItsSkips() {
    Gathering g = new Gathering(DELAY, 512);
    g.released(2, 0, T, 700 * MICROS);
    g.deadline(1, false);
    g.waited(true); // one skip due
    assertEquals(Gathering.NO_WAIT, g.deadline(2, false));
    assertEquals(0, g.skipped());
    assertEquals(Gathering.NO_WAIT, g.deadline(1, false));
    assertEquals(1, g.skipped());
  }

  /** One step of the committer: a batch taken with {@code held} units, then released. */
  record Step(int held, boolean timedOut, int released, int waiting, long gapNanos, long batchNanos, boolean closing) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step = Combinators.combine(
            Arbitraries.integers().between(1, 20),
            Arbitraries.of(true, false),
            Arbitraries.integers().between(1, 20),
            Arbitraries.integers().between(0, 20),
            Arbitraries.longs().between(0, 2_000 * MICROS),
            Arbitraries.longs().between(0, 2_000 * MICROS),
            Arbitraries.of(false, false, false, true))
        .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(200);
  }

  @Property(tries = 300)
  @Label("whatever happened before, a batch waits only while it holds fewer than expected, and never past release + min(delay, last batch)")
  void waitIsBounded(@ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 0, max = 500) int delayMicros,
      @ForAll @IntRange(min = 1, max = 16) int maxBatch) {
    Gathering g = new Gathering(Duration.ofNanos(delayMicros * MICROS), maxBatch);
    long now = T;
    long releasedAt = -1;
    long lastBatch = 0;
    int expected = 0;
    for (Step s : steps) {
      long deadline = g.deadline(s.held(), s.closing());
      if (deadline != Gathering.NO_WAIT) {
        assertTrue(releasedAt >= 0 && !s.closing() && s.held() < expected && expected <= maxBatch, "waited when it should not: " + s);
        assertTrue(deadline > releasedAt && deadline <= releasedAt + Math.min(delayMicros * MICROS, lastBatch), "deadline out of bounds: " + s);
        g.waited(s.timedOut());
      }
      now += s.gapNanos();
      g.released(s.released(), s.waiting(), now, s.batchNanos());
      releasedAt = now;
      lastBatch = s.batchNanos();
      expected = Math.min(maxBatch, s.released() + s.waiting());
      assertEquals(expected, g.expected());
    }
  }
}
