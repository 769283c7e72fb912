package io.spaceduck.conformance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps the tries of an ended property away from the stores of the next one.
 *
 * <p>jqwik bounds shrinking by time ({@code jqwik.shrinking.bounded.seconds}, 10 s by default): when
 * the bound is reached it reports the best sample so far and goes on to the next property, but its
 * shrinking thread keeps running tries in the background. Where a backend's test gives every store a
 * fresh state on one shared database (the JDBC tests empty one namespace per store), such a try would
 * empty the next property's store under it, or write into it — one failing property would fail the
 * properties after it with misleading messages. So every store or engine a try opens goes through
 * {@link #open}; once the property has ended ({@link #end}), opening fails, and {@code end} first waits
 * for a try still running to close what it opened.
 *
 * <p>Thread-safe.
 */
final class TryFence {
  /** How long {@link #end} waits for a lingering try: longer than a multi-threaded property's own join. */
  static final int END_WAIT_SECONDS = Concurrently.THREAD_TIMEOUT_SECONDS + 30;

  private final Object lock = new Object();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final Duration endWait;
  private boolean ended;

  TryFence() {
    this(Duration.ofSeconds(END_WAIT_SECONDS));
  }

  /** A fence whose {@link #end} waits at most {@code endWait} for a lingering try. */
  TryFence(Duration endWait) {
    this.endWait = endWait;
  }

  /**
   * Opens a store or engine for the running try and remembers it for {@link #closeAll()}.
   *
   * @throws IllegalStateException if the property has ended (the caller is a background shrinking try)
   */
  <T extends AutoCloseable> T open(Supplier<T> opener) {
    synchronized (lock) {
      if (ended) {
        throw ended();
      }
      T t = opener.get();
      open.add(t);
      return t;
    }
  }

  /**
   * Opens what the caller closes itself (an engine shared by all tries of a property), refused like
   * {@link #open} once the property has ended.
   */
  <T> T openUntracked(Supplier<T> opener) {
    synchronized (lock) {
      if (ended) {
        throw ended();
      }
      return opener.get();
    }
  }

  /** Closes everything opened so far (in opening order), then forgets it; closing twice is harmless. */
  void closeAll() throws Exception {
    List<AutoCloseable> toClose;
    synchronized (lock) {
      toClose = new ArrayList<>(open);
    }
    Exception failure = null;
    for (AutoCloseable c : toClose) {
      try {
        c.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    synchronized (lock) {
      open.removeAll(toClose);
      lock.notifyAll();
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static IllegalStateException ended() {
    return new IllegalStateException(
        "this property has ended: a try running now is jqwik's shrinking going on in the background after its time bound"
            + " (jqwik.shrinking.bounded.seconds), and it must not touch the stores of the next property");
  }

  /** Allows opening again (a new property on this instance). */
  void begin() {
    synchronized (lock) {
      ended = false;
    }
  }

  /**
   * Refuses every later {@link #open} and waits (at most {@link #END_WAIT_SECONDS} by default) until a try still
   * running has closed what it opened. Returns whether it did; keeps the caller's interrupt.
   */
  boolean end() {
    long deadline = System.nanoTime() + endWait.toNanos();
    boolean interrupted = false;
    try {
      synchronized (lock) {
        ended = true;
        while (!open.isEmpty()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(lock, left);
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        return true;
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
