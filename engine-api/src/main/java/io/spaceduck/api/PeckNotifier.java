package io.spaceduck.api;

/**
 * Told about peck transitions (P3) — a webhook sender in the hosted platform. The engine calls it
 * after the transition has committed, never inside the transaction, on its own bounded executor: a
 * notifier that throws or hangs neither undoes nor blocks a peck; its failures are logged, and when
 * its queue is full further notifications are dropped (and logged). Delivery is at most once; the
 * inbox is the reliable path.
 */
@FunctionalInterface
public interface PeckNotifier {
  /** Does nothing. */
  PeckNotifier NONE = peck -> {};

  /**
   * @param peck the peck after the transition (its {@link Peck#state()} says which)
   */
  void onTransition(Peck peck);
}
