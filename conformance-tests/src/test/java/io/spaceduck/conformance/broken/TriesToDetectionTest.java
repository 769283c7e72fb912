package io.spaceduck.conformance.broken;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.conformance.StorageContract;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.Label;
import net.jqwik.api.Tag;

/**
 * How many tries each deliberately broken store survives: for every broken store and a contract
 * property that guards its rule, runs of that property with inputs drawn from the kit's own
 * generators under fixed seeds, counting the tries until the first failure. Every run must catch the
 * store within the property's declared tries (what a default kit run gives it) — for the racy store,
 * whose detection depends on the scheduler, within the tries of one of the concurrent chain
 * properties — and every input that caught it must pass on the reference store, so a detection is
 * never a false alarm.
 *
 * <p>Runs {@value #DEFAULT_RUNS} seeds per pair in CI; {@code -Dspaceduck.conformance.detection.runs=200}
 * measures (the figures in {@code docs/conformance.md}). Each pair prints one line {@code tries to
 * detection | store | property | runs | median | max}. Inputs are drawn plainly from the generators,
 * without the edge cases jqwik tries first, so the figures are if anything pessimistic. A jqwik class
 * because action chains run only on jqwik threads.
 */
class TriesToDetectionTest {
  private static final int DEFAULT_RUNS = 5;
  private static final int RUNS = Integer.getInteger("spaceduck.conformance.detection.runs", DEFAULT_RUNS);
  private static final long BASE_SEED = Long.getLong("spaceduck.conformance.detection.seed", 20_260_101L);

  /** One try of a property on {@code contract}, its inputs drawn from {@code random}. */
  @FunctionalInterface
  interface Trial {
    void run(StorageContract contract, Random random);
  }

  private static StorageContract contractOver(UnaryOperator<Storage> breakage) {
    return new StorageContract() {
      @Override
      protected Storage newStorage() {
        return breakage.apply(new InMemoryStorage());
      }
    };
  }

  private static <T> T draw(Arbitrary<T> arbitrary, Random random, int genSize) {
    return arbitrary.generator(genSize).next(random).value();
  }

  private static int between(Random random, int min, int max) {
    return draw(Arbitraries.integers().between(min, max), random, 100);
  }

  /**
   * Runs {@code trial} on the broken store until it fails, {@link #RUNS} times with different seeds;
   * asserts every run caught it within {@code declaredTries}; prints and returns the tries per run.
   */
  private static List<Integer> measure(
      String store, UnaryOperator<Storage> breakage, String property, int declaredTries, Trial trial) {
    List<Integer> tries = survey(store, breakage, property, declaredTries, trial);
    for (int run = 0; run < tries.size(); run++) {
      assertTrue(tries.get(run) > 0, store + " survived " + declaredTries + " tries of " + property + " (run " + run + ")");
    }
    return tries;
  }

  /** As {@link #measure}, but a run that never caught the store counts as 0 instead of failing. */
  private static List<Integer> survey(
      String store, UnaryOperator<Storage> breakage, String property, int declaredTries, Trial trial) {
    List<Integer> tries = new ArrayList<>();
    StorageContract broken = contractOver(breakage);
    StorageContract reference = contractOver(s -> s);
    Random seeds = new Random(BASE_SEED ^ (store + property).hashCode());
    for (int run = 0; run < RUNS; run++) {
      int caughtAt = 0;
      for (int t = 1; t <= declaredTries && caughtAt == 0; t++) {
        long seed = seeds.nextLong();
        try {
          trial.run(broken, new Random(seed));
        } catch (AssertionError caught) {
          caughtAt = t;
          try {
            trial.run(reference, new Random(seed)); // the same inputs pass on the reference store
          } finally {
            reference.closeStores();
          }
        } finally {
          broken.closeStores();
        }
      }
      tries.add(caughtAt);
    }
    List<Integer> sorted = new ArrayList<>(tries);
    Collections.sort(sorted);
    long missed = tries.stream().filter(t -> t == 0).count();
    List<Integer> caught = sorted.subList((int) missed, sorted.size());
    System.out.printf(
        "tries to detection | %s | %s | %d runs | median %s | max %s | declared %d%s%n",
        store, property, RUNS,
        caught.isEmpty() ? "-" : caught.get((caught.size() - 1) / 2), caught.isEmpty() ? "-" : caught.get(caught.size() - 1),
        declaredTries, missed == 0 ? "" : " | survived " + missed + " runs");
    return tries;
  }

  @Example
  @Tag("CAS")
  @Label("CAS a last-writer-wins store is caught by the CAS property and the stateful chain")
  void lastWriterWins() {
    measure("LastWriterWinsStorage", LastWriterWinsStorage::new, "staleVersions_conflictAndChangeNothing", 100,
        (c, r) -> c.staleVersions_conflictAndChangeNothing(draw(c.lineages(), r, 100), draw(c.auditDrafts(), r, 100)));
    measure("LastWriterWinsStorage", LastWriterWinsStorage::new, "stateful_storeMatchesReferenceModel", 50,
        (c, r) -> c.stateful_storeMatchesReferenceModel(draw(c.storeChains(), r, 50)));
  }

  @Example
  @Tag("I4")
  @Label("I4 a store that leaks a write of a failed unit is caught by the atomicity property and the stateful chain")
  void leakyUnit() {
    measure("LeakyStorage", LeakyStorage::new, "failedUnit_leavesNoTrace", 100,
        (c, r) -> c.failedUnit_leavesNoTrace(draw(c.failingUnits(), r, 100)));
    measure("LeakyStorage", LeakyStorage::new, "stateful_storeMatchesReferenceModel", 50,
        (c, r) -> c.stateful_storeMatchesReferenceModel(draw(c.storeChains(), r, 50)));
  }

  @Example
  @Tag("A3")
  @Label("A3 a store whose auditRange drops an event is caught by the chain property")
  void droppedEvent() {
    measure("DroppedEventStorage", DroppedEventStorage::new, "auditChain_isGaplessLinkedAndVerifies", 100,
        (c, r) -> c.auditChain_isGaplessLinkedAndVerifies(draw(c.auditUnits(), r, 100), between(r, 1, 7)));
  }

  @Example
  @Tag("A4")
  @Label("A4 a store whose auditQuery pages overlap is caught by the query and the live paging properties")
  void overlappingPages() {
    measure("OverlappingPagesStorage", OverlappingPagesStorage::new, "auditQuery_matchesReferenceAndPagesOnce", 100,
        (c, r) -> c.auditQuery_matchesReferenceAndPagesOnce(
            draw(c.auditUnits(), r, 100), draw(c.auditFilters(), r, 100), between(r, 1, 7), draw(c.fromSeqs(), r, 100)));
    measure("OverlappingPagesStorage", OverlappingPagesStorage::new, "auditPaging_isStableUnderConcurrentAppends", 20,
        (c, r) -> c.auditPaging_isStableUnderConcurrentAppends(
            between(r, 1, 6), between(r, 1, 20), between(r, 1, 3), between(r, 1, 7), r.nextBoolean()));
  }

  @Example
  @Tag("K4")
  @Tag("I3")
  @Label("K4 I3 a store whose key lookup ignores revocation is caught by the version property and the stateful chain")
  void staleKeyRead() {
    measure("StaleKeyReadStorage", StaleKeyReadStorage::new, "insertThenUpdate_versionsCountFromOne", 100,
        (c, r) -> c.insertThenUpdate_versionsCountFromOne(draw(c.lineages(), r, 100)));
    measure("StaleKeyReadStorage", StaleKeyReadStorage::new, "stateful_storeMatchesReferenceModel", 50,
        (c, r) -> c.stateful_storeMatchesReferenceModel(draw(c.storeChains(), r, 50)));
  }

  @Example
  @Tag("U1")
  @Label("U1 a store whose pulse sweep deletes the latest pulse is caught by the sweep property and the stateful chain")
  void sweepDropsLatest() {
    measure("SweepDropsLatestStorage", SweepDropsLatestStorage::new, "deletePulsesBefore_deletesExactlyOlderHistory_keepsLatest", 100,
        (c, r) -> c.deletePulsesBefore_deletesExactlyOlderHistory_keepsLatest(draw(c.pulseSweeps(), r, 100)));
    measure("SweepDropsLatestStorage", SweepDropsLatestStorage::new, "stateful_storeMatchesReferenceModel", 50,
        (c, r) -> c.stateful_storeMatchesReferenceModel(draw(c.storeChains(), r, 50)));
  }

  @Example
  @Tag("A5")
  @Label("A5 a store that links prev_hash outside its append lock is caught by the concurrent chain properties")
  void racyLink() {
    // a race: whether a try forks the chain depends on the scheduler, so a run counts as caught when
    // any of the concurrent chain properties caught it within its declared tries (as a default kit
    // run gives them all)
    List<Integer> lockstep = survey("RacyLinkStorage", RacyLinkStorage::new, "lockstepAppends_formOneChain", 20,
        (c, r) -> c.lockstepAppends_formOneChain(between(r, 2, 8), between(r, 1, 30), between(r, 1, 3)));
    List<Integer> appends = survey("RacyLinkStorage", RacyLinkStorage::new, "concurrentAppends_formOneChain", 20,
        (c, r) -> c.concurrentAppends_formOneChain(between(r, 2, 8), between(r, 1, 20), between(r, 1, 3)));
    List<Integer> counter = survey("RacyLinkStorage", RacyLinkStorage::new, "concurrentReadModifyWrite_losesNoUpdate", 20,
        (c, r) -> c.concurrentReadModifyWrite_losesNoUpdate(between(r, 2, 8), between(r, 1, 25)));
    for (int run = 0; run < RUNS; run++) {
      assertTrue(lockstep.get(run) > 0 || appends.get(run) > 0 || counter.get(run) > 0,
          "RacyLinkStorage survived every concurrent chain property (run " + run + ")");
    }
  }
}
