package io.spaceduck.conformance;

import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * A property that fails on purpose, run only by {@link ConformanceTriesReportTest} through the JUnit
 * Platform launcher (its name matches none of Surefire's includes). With the fixed seed (and no replay
 * of an earlier failure from jqwik's database) the first failure is a large value and shrinking ends at
 * 10, so the two failures differ. It carries the kit's hook; {@link Plain} relies on the global
 * registration in this module's test resources alone.
 */
@AddLifecycleHook(ConformanceTries.class)
class FailingPropertyFixture {
  @Property(seed = "42", tries = 100, afterFailure = AfterFailureMode.RANDOM_SEED)
  void failsFromTen(@ForAll @IntRange(min = 0, max = 1000) int n) {
    if (n >= 10) {
      throw new AssertionError("too big: " + n);
    }
  }

  /** The same property without the kit's hook. */
  static class Plain {
    @Property(seed = "42", tries = 100, afterFailure = AfterFailureMode.RANDOM_SEED)
    void failsFromTen(@ForAll @IntRange(min = 0, max = 1000) int n) {
      if (n >= 10) {
        throw new AssertionError("too big: " + n);
      }
    }
  }
}
