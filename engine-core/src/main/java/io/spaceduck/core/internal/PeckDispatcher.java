package io.spaceduck.core.internal;

import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckNotifier;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the host's {@link PeckNotifier} after a transition has committed, on one daemon thread with a
 * bounded queue (P3): the caller never waits for the notifier, a notifier that throws is logged, one
 * that hangs only delays later notifications, and when the queue is full notifications are dropped
 * and counted (the inbox is the reliable path). Thread-safe.
 */
final class PeckDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeckDispatcher.class);
  static final int QUEUE = 1024;
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final PeckNotifier notifier;
  private final ThreadPoolExecutor executor;
  private final AtomicLong dropped = new AtomicLong();

  PeckDispatcher(PeckNotifier notifier) {
    this.notifier = notifier;
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "spaceduck-peck-notifier-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            (r, ex) -> {
              long n = dropped.incrementAndGet();
              if (n == 1 || n % 1000 == 0) { // bounded logging under a sustained backlog
                log.warn("peck notifier queue full or closed: notification dropped ({} dropped so far)", n);
              }
            });
  }

  void dispatch(List<Peck> pecks) {
    if (notifier == PeckNotifier.NONE) {
      return;
    }
    for (Peck p : pecks) {
      executor.execute(
          () -> {
            try {
              notifier.onTransition(p);
            } catch (RuntimeException | Error e) {
              log.warn("peck notifier failed for {} ({}): {}", p.id(), p.state(), e.getClass().getSimpleName());
            }
          });
    }
  }

  long dropped() {
    return dropped.get();
  }

  @Override
  public void close() {
    executor.shutdown();
  }
}
