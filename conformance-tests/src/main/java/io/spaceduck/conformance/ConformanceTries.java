package io.spaceduck.conformance;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Scales the tries of every contract property by the system property {@value #PROPERTY}: each
 * property declares its tries relative to a base of {@value #BASE} (the cheap ones 100, the
 * multi-threaded ones fewer), and {@code -Dspaceduck.conformance.tries=1000} runs ten times as many
 * of each. Unset, the declared counts apply. jqwik reads annotations at compile time only, so this
 * hook is how a run-time setting reaches them; {@code jqwik.tries.default} does not, because every
 * contract property declares its tries.
 *
 * <p>An {@link EngineContract} may run a share of that ({@link EngineContract#triesPercent()}), and
 * {@value #ACTIONS_PROPERTY} sets the length of the stateful chains.
 *
 * <p>It also fences each property's end ({@link TryFence}): afterwards no try may open a store, and
 * the next property starts only once a try that jqwik's bounded shrinking left running has closed its
 * stores.
 *
 * <p>A failed property explains itself ({@link FailureReport}): its failure names the seed and carries the
 * first, unshrunk failure beside the shrunk one, and the whole report goes to standard error — so the
 * cause of a failure is in the last lines of a CI console even when shrinking changed the error or
 * ran out of time.
 *
 * <p>Registered on {@link StorageContract} and {@link EngineContract} (inherited by every subclass).
 * Stateless.
 */
public final class ConformanceTries implements AroundPropertyHook {
  /** The system property that sets the base try count. */
  public static final String PROPERTY = "spaceduck.conformance.tries";

  /** The base the declared try counts are relative to. */
  public static final int BASE = 100;

  /**
   * The system property that sets the longest action chain of every stateful property (the kit's
   * default is each chain's declared length, 30–40 actions); {@code -Dspaceduck.conformance.actions=100}
   * runs longer histories.
   */
  public static final String ACTIONS_PROPERTY = "spaceduck.conformance.actions";

  /**
   * The longest chain for a stateful property declaring {@code declared} actions: {@value
   * #ACTIONS_PROPERTY} when set, else {@code declared}.
   *
   * @throws IllegalArgumentException if the property is set but not a positive integer
   */
  public static int chainLength(int declared) {
    String setting = System.getProperty(ACTIONS_PROPERTY);
    if (setting == null || setting.isBlank()) {
      return declared;
    }
    try {
      int n = Integer.parseInt(setting.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the refusal
    }
    throw new IllegalArgumentException(ACTIONS_PROPERTY + " must be a positive integer");
  }

  /** Called by jqwik. */
  public ConformanceTries() {}

  /**
   * The tries to run for a property declaring {@code declared}, given the value of {@value
   * #PROPERTY} (null when unset).
   *
   * @throws IllegalArgumentException if the property is set but not a positive integer
   */
  static int scaled(int declared, String setting) {
    if (setting == null || setting.isBlank() || declared <= 1) {
      return declared; // unset, or an @Example: runs once whatever the setting
    }
    int base;
    try {
      base = Integer.parseInt(setting.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PROPERTY + " must be a positive integer", e);
    }
    if (base < 1) {
      throw new IllegalArgumentException(PROPERTY + " must be a positive integer");
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (long) declared * base / BASE));
  }

  /** To every property of the annotated contract class and its subclasses. */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    int declared = context.attributes().tries().orElse(BASE);
    int tries = scaled(declared, System.getProperty(PROPERTY));
    if (context.testInstance() instanceof EngineContract c && tries > 1) {
      tries = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (long) tries * Math.max(1, c.triesPercent()) / 100));
    }
    context.attributes().setTries(tries);
    TryFence fence = fenceOf(context.testInstance());
    if (fence == null) {
      return FailureReport.explained(context.extendedLabel(), property.execute());
    }
    fence.begin();
    try {
      return FailureReport.explained(context.extendedLabel(), property.execute());
    } finally {
      if (!fence.end()) {
        System.err.println(
            "conformance kit: a try of " + context.label() + " still holds a store " + TryFence.END_WAIT_SECONDS
                + " s after the property ended (jqwik's background shrinking); later properties may see its writes");
      }
    }
  }

  private static TryFence fenceOf(Object instance) {
    if (instance instanceof StorageContract s) {
      return s.fence;
    }
    if (instance instanceof EngineContract e) {
      return e.fence;
    }
    return null;
  }
}
