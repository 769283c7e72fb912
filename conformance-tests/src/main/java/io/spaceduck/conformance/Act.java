package io.spaceduck.conformance;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.Transformer;

/**
 * An action of the engine contract's chains: {@code n} raw integer choices in 0..999, resolved
 * against the world only when the action runs (modulo the size of a pool), so that a shrunk chain
 * stays runnable. Choices shrink towards 0, which every action reads as its plain case (the usual
 * actor, no unusual twist), so a shrunk failure reads as plainly as it can.
 *
 * @param <S> the world the action runs on
 */
final class Act<S> implements Action.Independent<S> {
  /** One step of a world with its choices. */
  @FunctionalInterface
  interface Step<S> {
    void run(S world, int[] picks);
  }

  private final String name;
  private final int n;
  private final Step<S> step;

  private Act(String name, int n, Step<S> step) {
    this.name = name;
    this.n = n;
    this.step = step;
  }

  static <S> Act<S> of(String name, int n, Step<S> step) {
    return new Act<>(name, n, step);
  }

  /** One in {@code n}: the unusual choice, which a shrunk chain drops (it shrinks towards 0). */
  static boolean rare(int pick, int n) {
    return pick % n == n - 1;
  }

  @Override
  public Arbitrary<Transformer<S>> transformer() {
    Arbitrary<int[]> picks =
        n == 0 ? Arbitraries.just(new int[0]) : Arbitraries.integers().between(0, 999).array(int[].class).ofSize(n);
    return picks.map(p -> Transformer.mutate(name + Arrays.toString(p), w -> step.run(w, p)));
  }
}
