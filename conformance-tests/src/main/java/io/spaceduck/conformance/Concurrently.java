package io.spaceduck.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs tasks on their own threads, released together by a barrier (no sleeps), and joins them with
 * a deadline so that a store whose units block each other fails the property instead of hanging it.
 */
final class Concurrently {
  /** Seconds a multi-threaded property waits for its threads before it fails as hung. */
  static final int THREAD_TIMEOUT_SECONDS = 60;

  private Concurrently() {}

  /** Runs every task at once and returns their results in task order. */
  static <T> List<T> run(List<Callable<T>> tasks, int timeoutSeconds) {
    return run(tasks, timeoutSeconds, tasks.size(), () -> {});
  }

  /**
   * Runs every task at once; once the first {@code firstN} have finished (or failed), runs {@code
   * afterFirstN} (e.g. to stop an observer among the remaining tasks), then joins the rest.
   *
   * @throws AssertionError if a task failed (with its failure as cause, or rethrown as is when it is
   *     an {@link Error} or {@link RuntimeException}) or did not finish in time
   */
  static <T> List<T> run(List<Callable<T>> tasks, int timeoutSeconds, int firstN, Runnable afterFirstN) {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    CyclicBarrier start = new CyclicBarrier(tasks.size());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> task : tasks) {
        futures.add(
            pool.submit(
                () -> {
                  start.await(timeoutSeconds, TimeUnit.SECONDS);
                  return task.call();
                }));
      }
      List<T> results = new ArrayList<>();
      try {
        for (int i = 0; i < firstN; i++) {
          results.add(join(futures.get(i), deadline));
        }
      } finally {
        afterFirstN.run();
      }
      for (int i = firstN; i < futures.size(); i++) {
        results.add(join(futures.get(i), deadline));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private static <T> T join(Future<T> f, long deadline) {
    try {
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Error err) {
        throw err;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof BrokenBarrierException || cause instanceof TimeoutException) {
        throw new AssertionError("the threads could not start together", cause);
      }
      throw new AssertionError("a thread failed", cause);
    } catch (TimeoutException e) {
      throw new AssertionError("threads did not finish in time: does a unit block on another unit?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while joining threads", e);
    }
  }
}
