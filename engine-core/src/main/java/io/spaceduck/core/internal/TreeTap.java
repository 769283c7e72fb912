package io.spaceduck.core.internal;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The events of a verification on their way to {@code AuditChain.verify}, with the RFC 9162 tree of
 * their hashes recomputed on the side ({@link Transparency#verify}): the root at every size is what
 * the kept checkpoint and the store's own nodes are compared with.
 *
 * <p>A tree costs a leaf hash and on average one node hash per event — about two thirds of what the
 * chain's own SHA-256 of the event costs — so over a long log it is computed on a second thread while
 * the calling thread checks the chain: the first {@link Pipeline#from} events go into the frontier
 * inline; then the frontier moves to a worker thread, and the event hashes follow it in batches of
 * {@link Pipeline#batch} through a bounded queue. A log no longer than {@code from} never starts a
 * thread. The results are those of the inline computation; only the time differs.
 *
 * <p>The worker never outlives the verification: {@link #finish} joins it, and {@link #close} (always
 * called, also when the chain check throws or finds a broken link) interrupts and joins it. A failure
 * of the worker is thrown to the calling thread at its next hand-over or at {@link #finish}; an
 * interrupt of the calling thread while it waits for the worker stops the worker and ends the
 * verification with {@link CancellationException}, the thread's interrupt status set.
 *
 * <p>Not thread-safe: one verification, one calling thread.
 */
final class TreeTap implements Iterator<AuditEvent>, AutoCloseable {
  /** When and how the tree moves to a second thread; tests choose small values. */
  record Pipeline(int from, int batch, ThreadFactory threads) {
    /**
     * Inline up to 4,096 events, then batches of 4,096 hashes, queued at most 4 deep. The inline part
     * only has to outweigh a thread's start and join; every event hashed inline lengthens the calling
     * thread's share of a long verification (16,384 inline events were ≈ 10 % of its CPU time at
     * 100,000 events in a one-off check, docs/benchmarks.md).
     */
    static final Pipeline DEFAULT = new Pipeline(4_096, 4_096, TreeTap::newWorkerThread);

    /** Never a second thread. */
    static final Pipeline INLINE = new Pipeline(Integer.MAX_VALUE, 4_096, TreeTap::newWorkerThread);

    Pipeline {
      if (from < 0 || batch < 1) {
        throw new IllegalArgumentException("from >= 0 and batch >= 1");
      }
      Objects.requireNonNull(threads, "threads");
    }
  }

  static final String THREAD_NAME = "spaceduck-audit-tree";
  private static final int QUEUE_DEPTH = 4;
  private static final Hash[] END = new Hash[0];

  private static Thread newWorkerThread(Runnable r) {
    Thread t = new Thread(r, THREAD_NAME);
    t.setDaemon(true);
    return t;
  }

  private final Iterator<AuditEvent> events;
  private final long keptSize;
  private final Pipeline pipeline;
  // owned by this thread until the worker starts, then by the worker until it is joined
  private final AuditTree.Frontier frontier = new AuditTree.Frontier();
  private Hash atKept;
  private long handedOut;
  private Worker worker;
  private Hash[] batch;
  private int filled;

  /**
   * @param keptSize the size of the kept checkpoint, whose root {@link #rootAtKept} returns (0: none)
   */
  TreeTap(Iterator<AuditEvent> events, long keptSize, Pipeline pipeline) {
    this.events = events;
    this.keptSize = keptSize;
    this.pipeline = pipeline;
    this.atKept = keptSize == 0 ? AuditTree.EMPTY_ROOT : null;
  }

  @Override
  public boolean hasNext() {
    return events.hasNext();
  }

  @Override
  public AuditEvent next() {
    AuditEvent e = events.next();
    if (worker == null) {
      if (handedOut < pipeline.from()) {
        handedOut++;
        atKept = append(frontier, e.hash(), keptSize, atKept);
        return e;
      }
      worker = new Worker();
      batch = new Hash[pipeline.batch()];
      worker.thread.start(); // hands the frontier over: start() is a happens-before edge
    }
    handedOut++;
    batch[filled++] = e.hash();
    if (filled == batch.length) {
      handOver(batch);
      batch = new Hash[pipeline.batch()];
      filled = 0;
    }
    return e;
  }

  private static Hash append(AuditTree.Frontier f, Hash eventHash, long keptSize, Hash atKept) {
    f.append(eventHash);
    return f.size() == keptSize ? f.root() : atKept;
  }

  /**
   * After the chain check consumed every event it verifies: waits for the worker, if one runs, and
   * returns the frontier of every event handed out, owned by the calling thread again.
   */
  AuditTree.Frontier finish() {
    if (worker != null) {
      if (filled > 0) {
        handOver(Arrays.copyOf(batch, filled));
        filled = 0;
      }
      handOver(END);
      try {
        worker.thread.join();
      } catch (InterruptedException e) {
        throw cancelled();
      }
      worker.rethrowFailure();
      atKept = worker.atKept;
    }
    return frontier;
  }

  /** The root at the kept checkpoint's size; null unless that many events were handed out (after {@link #finish}). */
  Hash rootAtKept() {
    return atKept;
  }

  /** Stops and joins the worker if it still runs; keeps the calling thread's interrupt status. */
  @Override
  public void close() {
    if (worker == null || !worker.thread.isAlive()) {
      return;
    }
    worker.thread.interrupt();
    boolean interrupted = false;
    while (true) {
      try {
        worker.thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void handOver(Hash[] hashes) {
    worker.rethrowFailure();
    try {
      // a bounded wait, so that a worker that died is noticed instead of waited for
      while (!worker.queue.offer(hashes, 50, TimeUnit.MILLISECONDS)) {
        worker.rethrowFailure();
        if (!worker.thread.isAlive()) {
          throw new IllegalStateException("the audit tree worker stopped");
        }
      }
    } catch (InterruptedException e) {
      throw cancelled();
    }
  }

  private static CancellationException cancelled() {
    Thread.currentThread().interrupt();
    return new CancellationException("the audit verification was interrupted");
  }

  /** Appends the hashes it is handed to the frontier until {@link #END}, or until interrupted. */
  private final class Worker implements Runnable {
    final BlockingQueue<Hash[]> queue = new ArrayBlockingQueue<>(QUEUE_DEPTH);
    final Thread thread = pipeline.threads().newThread(this);
    Hash atKept = TreeTap.this.atKept; // read before start(); written by the worker only, read after join()
    volatile Throwable failure;

    @Override
    public void run() {
      try {
        while (true) {
          Hash[] hashes = queue.take();
          if (hashes == END) {
            return;
          }
          for (Hash h : hashes) {
            atKept = append(frontier, h, keptSize, atKept);
          }
        }
      } catch (InterruptedException e) {
        // the verification ended without the rest of the tree: close() stops us
      } catch (Throwable t) {
        failure = t;
      }
    }

    void rethrowFailure() {
      Throwable t = failure;
      if (t instanceof RuntimeException r) {
        throw r;
      }
      if (t instanceof Error err) {
        throw err;
      }
      if (t != null) {
        throw new IllegalStateException("the audit tree worker failed", t);
      }
    }
  }
}
