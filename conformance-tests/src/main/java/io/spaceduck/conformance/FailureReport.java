package io.spaceduck.conformance;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.FalsifiedSample;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Makes a failed jqwik property explain itself in its own failure: the seed, the tries, the first
 * failure before shrinking (message, sample and stack trace) beside the shrunk one. Shrinking can
 * change the error or stop at its time bound, and a CI console often keeps only Surefire's summary of
 * failures; with this hook that summary holds the cause. The same report goes to standard error.
 *
 * <p>Every property of {@link StorageContract} and {@link EngineContract} gets it through {@link
 * ConformanceTries}. To give every property of a test module the same, register this class globally
 * with jqwik: a file {@code META-INF/services/net.jqwik.api.lifecycle.LifecycleHook} in the module's
 * test resources naming {@code io.spaceduck.conformance.FailureReport}. Applying it twice explains
 * once. Stateless.
 */
public final class FailureReport implements AroundPropertyHook {
  /** The marker that starts the kit's lines in a failure message. */
  static final String MARK = "[conformance kit]";

  /** Called by jqwik. */
  public FailureReport() {}

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    return explained(context.extendedLabel(), property.execute());
  }

  /** Registered globally, a hook sits on the engine's root: it must reach every property below it. */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  /** Runs outside {@link ConformanceTries}, which explains from inside the fence. */
  @Override
  public int aroundPropertyProximity() {
    return -10;
  }

  /** The longest excerpt of one error message or sample kept in a failure report. */
  static final int EXCERPT = 3_000;

  /**
   * A failed property's result with a failure that explains itself: the message starts with the
   * shrunk failure's own message (so existing reports read the same), then names the seed, the tries,
   * the first failure before shrinking (message and sample) and the shrinking steps; the first failure
   * is the cause, so its stack trace is printed too. The stack trace is the shrunk failure's, so the
   * reported line is the contract's. The same report goes to standard error. Any other result is
   * returned unchanged.
   */
  public static PropertyExecutionResult explained(String label, PropertyExecutionResult result) {
    if (result.status() != PropertyExecutionResult.Status.FAILED) {
      return result;
    }
    Throwable shrunk = result.throwable().orElse(null);
    if (shrunk != null && String.valueOf(shrunk.getMessage()).contains(MARK)) {
      return result; // explained already (the kit's own hook and a globally registered one)
    }
    Throwable original = result.originalSample().flatMap(FalsifiedSample::falsifyingError).orElse(null);
    StringBuilder m = new StringBuilder();
    m.append(shrunk == null ? "property failed" : describe(shrunk));
    m.append("\n  ").append(MARK).append(" ").append(label).append(" failed after ").append(result.countTries()).append(" tries");
    result.seed().ifPresent(seed -> m.append(", seed ").append(seed));
    result.shrunkSample().ifPresent(s -> m.append(", ").append(s.countShrinkingSteps()).append(" shrinking steps"));
    if (original != null && original != shrunk) {
      m.append("\n  first failure, before shrinking: ").append(describe(original));
    }
    result.originalSample().ifPresent(s -> m.append("\n  first failing sample: ").append(excerpt(String.valueOf(s.parameters()))));
    result.shrunkSample().ifPresent(s -> m.append("\n  shrunk sample: ").append(excerpt(String.valueOf(s.parameters()))));
    String report = m.toString();
    System.err.println(report);
    AssertionError explained = new AssertionError(report, original != null && original != shrunk ? original : shrunk);
    if (shrunk != null) {
      explained.setStackTrace(shrunk.getStackTrace());
    }
    return result.mapToFailed(explained);
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return t.getClass().getName() + (message == null ? "" : ": " + excerpt(message));
  }

  private static String excerpt(String text) {
    return text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "… (" + (text.length() - EXCERPT) + " more characters)";
  }

}
