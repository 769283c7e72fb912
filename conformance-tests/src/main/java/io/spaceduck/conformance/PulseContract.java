package io.spaceduck.conformance;

import static io.spaceduck.conformance.Pulses.ALL_PULSE_AGENTS;
import static io.spaceduck.conformance.Pulses.PULSE_AGENTS;
import static io.spaceduck.conformance.Pulses.expectedHistory;
import static io.spaceduck.conformance.Pulses.operatorOf;
import static io.spaceduck.conformance.Pulses.pulse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.Storage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Pulses (U1, U3): {@code recordPulse} keeps the latest pulse per agent — an older pulse joins the
 * history without replacing it, one at the same instant replaces it — and a history newest first,
 * limit respected, never mixing agents; an agent that never pulsed reads as empty (SPI). {@code
 * deletePulsesBefore} deletes exactly the history strictly before its cutoff, returns the count and
 * never deletes a latest pulse — also while other threads record. Implemented by {@link
 * StorageContract}; see {@link StorageConcern}.
 */
public interface PulseContract extends StorageConcern {
  /** 0–30 pulses of three agents, with many equal instants. */
  @Provide
  default Arbitrary<List<Pulse>> pulseLists() {
    return Arbitraries.of(PULSE_AGENTS).flatMap(a -> StorageArbitraries.pulsesOf(a, operatorOf(a))).list().ofMaxSize(30);
  }

  /**
   * Pulses recorded one after another: {@code latestPulse} is the newest (of equal instants the one
   * recorded last — a pulse replaces the latest unless it is older), {@code pulseHistory} is every
   * pulse of the agent newest first, cut to {@code limit}, never mixing agents; an agent that never
   * pulsed reads as empty. Statuses and nanoseconds round-trip exactly.
   */
  @Property(tries = 100)
  @Tag("U1")
  @Tag("SPI")
  @Label("U1 recordPulse keeps the latest per agent and a history newest first, limit respected")
  default void pulses_latestAndHistoryNewestFirst(
      @ForAll("pulseLists") List<Pulse> pulses, @ForAll @IntRange(min = 0, max = 12) int limit) {
    try (Storage s = stores().open()) {
      for (AgentId a : ALL_PULSE_AGENTS) {
        assertEquals(Optional.empty(), s.latestPulse(a), "latest pulse of " + a + " on a fresh store");
        assertEquals(List.of(), s.pulseHistory(a, 10), "pulse history of " + a + " on a fresh store");
      }
      pulses.forEach(s::recordPulse);
      for (AgentId a : ALL_PULSE_AGENTS) {
        List<Pulse> expected = expectedHistory(pulses, a);
        assertEquals(expected, s.pulseHistory(a, Integer.MAX_VALUE), "pulse history of " + a);
        assertEquals(
            expected.subList(0, Math.min(limit, expected.size())), s.pulseHistory(a, limit), "pulse history of " + a + ", limit " + limit);
        assertEquals(expected.stream().findFirst(), s.latestPulse(a), "latest pulse of " + a);
      }
    }
  }

  /** One of the pulse agents. */
  @Provide
  default Arbitrary<AgentId> pulseAgents() {
    return Arbitraries.of(PULSE_AGENTS);
  }

  /** Pulse instants. */
  @Provide
  default Arbitrary<Instant> pulseInstants() {
    return StorageArbitraries.pulseInstants();
  }

  /** Pulse statuses. */
  @Provide
  default Arbitrary<String> pulseStatuses() {
    return StorageArbitraries.pulseStatuses();
  }

  /**
   * A pulse older than the latest joins the history behind it and leaves the latest alone; a pulse
   * at the very instant of the latest replaces it and comes first in the history.
   */
  @Property(tries = 50)
  @Tag("U1")
  @Label("U1 an older pulse joins the history without replacing the latest; an equal-time one replaces it")
  default void pulses_olderJoinsHistory_equalTimeReplacesLatest(
      @ForAll("pulseAgents") AgentId agent,
      @ForAll("pulseInstants") Instant at,
      @ForAll @LongRange(min = 1, max = 1_000_000_000_000L) long olderByNanos,
      @ForAll("pulseStatuses") String status) {
    Pulse newer = pulse(agent, at, status);
    Pulse older = pulse(agent, at.minusNanos(olderByNanos), "older " + status);
    Pulse sameTime = pulse(agent, at, "same time " + status);
    try (Storage s = stores().open()) {
      s.recordPulse(newer);
      s.recordPulse(older);
      assertEquals(Optional.of(newer), s.latestPulse(agent), "latest after an older pulse");
      assertEquals(List.of(newer, older), s.pulseHistory(agent, 10), "history after an older pulse");
      s.recordPulse(sameTime);
      assertEquals(Optional.of(sameTime), s.latestPulse(agent), "latest after a pulse at the same instant");
      assertEquals(List.of(sameTime, newer, older), s.pulseHistory(agent, 10), "history after a pulse at the same instant");
      assertEquals(List.of(sameTime), s.pulseHistory(agent, 1), "history, limit 1");
      assertEquals(List.of(), s.pulseHistory(agent, 0), "history, limit 0");
    }
  }

  /**
   * Pulses to record and a sweep cutoff.
   *
   * @param pulses recorded in this order
   * @param cutoff the argument of {@code deletePulsesBefore}
   */
  public record PulseSweep(List<Pulse> pulses, Instant cutoff) {
    public PulseSweep {
      pulses = List.copyOf(pulses);
      Objects.requireNonNull(cutoff, "cutoff");
    }
  }

  /** Pulse lists with a cutoff mostly at, just before or just after one of their instants. */
  @Provide
  default Arbitrary<PulseSweep> pulseSweeps() {
    return pulseLists()
        .flatMap(
            pulses -> {
              Arbitrary<Instant> any = StorageArbitraries.pulseInstants();
              if (pulses.isEmpty()) {
                return any.map(c -> new PulseSweep(pulses, c));
              }
              Arbitrary<Instant> near =
                  Combinators.combine(Arbitraries.of(pulses).map(Pulse::at), Arbitraries.of(-1L, 0L, 1L)).as(Instant::plusNanos);
              return Arbitraries.frequencyOf(Tuple.of(4, near), Tuple.of(1, any)).map(c -> new PulseSweep(pulses, c));
            });
  }

  /**
   * {@code deletePulsesBefore(cutoff)} deletes exactly the history pulses strictly before the cutoff
   * and returns how many; a pulse at the cutoff stays; every agent's {@code latestPulse} is the same
   * as before, however old; a second sweep deletes nothing; a later pulse is recorded as usual.
   */
  @Property(tries = 100)
  @Tag("U1")
  @Tag("SPI")
  @Label("U1 deletePulsesBefore deletes exactly the older history, returns the count, never the latest")
  default void deletePulsesBefore_deletesExactlyOlderHistory_keepsLatest(@ForAll("pulseSweeps") PulseSweep sweep) {
    List<Pulse> pulses = sweep.pulses();
    Instant cutoff = sweep.cutoff();
    try (Storage s = stores().open()) {
      pulses.forEach(s::recordPulse);
      Map<AgentId, Optional<Pulse>> latestBefore = new HashMap<>();
      ALL_PULSE_AGENTS.forEach(a -> latestBefore.put(a, s.latestPulse(a)));
      long older = pulses.stream().filter(p -> p.at().isBefore(cutoff)).count();
      assertEquals(older, s.deletePulsesBefore(cutoff), "count returned by deletePulsesBefore(" + cutoff + ")");
      for (AgentId a : ALL_PULSE_AGENTS) {
        List<Pulse> kept = expectedHistory(pulses, a).stream().filter(p -> !p.at().isBefore(cutoff)).collect(Collectors.toList());
        assertEquals(kept, s.pulseHistory(a, Integer.MAX_VALUE), "pulse history of " + a + " after deletePulsesBefore");
        assertEquals(latestBefore.get(a), s.latestPulse(a), "latest pulse of " + a + " after deletePulsesBefore");
      }
      assertEquals(0, s.deletePulsesBefore(cutoff), "a second deletePulsesBefore with the same cutoff");

      AgentId a = PULSE_AGENTS.get(0);
      Instant after = pulses.stream().map(Pulse::at).reduce(cutoff, (x, y) -> x.isAfter(y) ? x : y).plusSeconds(1);
      Pulse fresh = pulse(a, after, "after the sweep");
      List<Pulse> keptOfA = s.pulseHistory(a, Integer.MAX_VALUE);
      s.recordPulse(fresh);
      assertEquals(Optional.of(fresh), s.latestPulse(a), "latest pulse after the sweep");
      List<Pulse> expected = new ArrayList<>(List.of(fresh));
      expected.addAll(keptOfA);
      assertEquals(expected, s.pulseHistory(a, Integer.MAX_VALUE), "pulse history after the sweep");
    }
  }

  /**
   * Threads record pulses at once — several threads per agent, many at equal instants — while two
   * other threads sweep history from before them: no pulse is lost or duplicated, each history is
   * newest first, each latest pulse is one of the agent's newest, the sweeps delete exactly the older
   * pulses and count each once (in total, over all their calls), and an agent that only had old
   * pulses keeps its latest.
   */
  @Property(tries = 20)
  @Tag("U1")
  @Tag("U3")
  @Label("U1 U3 concurrent recordPulse loses nothing, also while a sweep runs")
  default void concurrentPulses_loseNothing(
      @ForAll @IntRange(min = 2, max = 8) int threads,
      @ForAll @IntRange(min = 1, max = 50) int perThread,
      @ForAll @IntRange(min = 0, max = 300) int oldPulses) {
    Instant cutoff = StorageArbitraries.AUDIT_EPOCH;
    List<Pulse> old = new ArrayList<>();
    for (int i = 0; i < oldPulses; i++) {
      old.add(pulse(PULSE_AGENTS.get(i % 3), cutoff.minus(Duration.ofDays(1)).minusSeconds(i), "old " + i));
    }
    try (Storage s = stores().open()) {
      old.forEach(s::recordPulse);
      List<Pulse> fresh = new CopyOnWriteArrayList<>();
      AtomicBoolean writersDone = new AtomicBoolean();
      AtomicInteger swept = new AtomicInteger();
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        tasks.add(() -> {
          AgentId agent = PULSE_AGENTS.get(thread % 3);
          for (int i = 0; i < perThread; i++) {
            Pulse p = pulse(agent, cutoff.plusSeconds(i % 5), "t" + thread + "/" + i);
            s.recordPulse(p);
            fresh.add(p);
          }
          return perThread;
        });
      }
      for (int sweeper = 0; sweeper < 2; sweeper++) {
        tasks.add(() -> {
          int calls = 0;
          do {
            swept.addAndGet(s.deletePulsesBefore(cutoff));
            calls++;
          } while (!writersDone.get() && calls < 10_000);
          return calls;
        });
      }
      Concurrently.run(tasks, Concurrently.THREAD_TIMEOUT_SECONDS, threads, () -> writersDone.set(true));
      assertEquals(threads * perThread, fresh.size(), "pulses recorded");
      assertEquals(oldPulses, swept.get(), "pulses deleted by the concurrent sweep");
      assertEquals(0, s.deletePulsesBefore(cutoff), "a sweep after the concurrent one");
      for (AgentId a : ALL_PULSE_AGENTS) {
        List<Pulse> mine = fresh.stream().filter(p -> p.agent().equals(a)).collect(Collectors.toList());
        List<Pulse> history = s.pulseHistory(a, Integer.MAX_VALUE);
        Comparator<Pulse> byStatus = Comparator.comparing(Pulse::status);
        assertEquals(
            mine.stream().sorted(byStatus).collect(Collectors.toList()),
            history.stream().sorted(byStatus).collect(Collectors.toList()),
            "pulse history of " + a + " as a multiset: a pulse was lost or duplicated");
        for (int i = 1; i < history.size(); i++) {
          assertFalse(history.get(i).at().isAfter(history.get(i - 1).at()), "pulse history of " + a + " is not newest first");
        }
        Optional<Pulse> latest = s.latestPulse(a);
        if (mine.isEmpty()) {
          assertEquals(expectedHistory(old, a).stream().findFirst(), latest, "latest pulse of " + a + " (only old pulses, swept)");
        } else {
          Instant newest = mine.stream().map(Pulse::at).max(Comparator.naturalOrder()).orElseThrow();
          assertTrue(latest.isPresent() && mine.contains(latest.get()), "latest pulse of " + a + " is not one it recorded: " + latest);
          assertEquals(newest, latest.get().at(), "latest pulse of " + a + " is not among the newest");
        }
      }
    }
  }
}
