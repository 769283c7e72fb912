package io.spaceduck.core.internal;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.CorruptAuditEventException;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * The chain check of a verification (A3) with the RFC 9162 tree of the event hashes recomputed on
 * the side ({@link Transparency#verify}), on two threads.
 *
 * <p>Per event a verification costs the chain's own SHA-256 of the canonical encoding (four blocks,
 * ≈ 60 % of the work), a leaf hash and on average one node hash for the tree (≈ 35 %), and the
 * paging and link checks (≈ 5 %). The tree is sequential; the hash checks are independent of each
 * other, because each event's stored hash is checked against its own encoding and each link against
 * the predecessor's stored hash. So: the calling thread pages through the events and checks every
 * link, the seq order and the expected head; the events go in batches of {@link Pipeline#batch}
 * through a bounded queue to a worker thread that appends their hashes to the tree and then checks
 * the batch's hashes — unless the calling thread, finding the worker behind (another batch still
 * queued before it), claimed that batch's hash check for itself right after queueing it. Each thread
 * thus takes the share of the hash checks that keeps the two busy (on a 2-core machine the calling
 * thread ends up with ≈ 80 % of them: the tree alone is about half of the worker's capacity). The first {@link Pipeline#from} events are checked inline: a
 * log no longer than that never starts a thread.
 *
 * <p>This path only ever says "every link and hash holds": anything else — a broken link or hash, an
 * event the store cannot decode canonically, a missing expected head — ends it with an empty result,
 * and the caller verifies again on one thread with {@link AuditChain#verify} ({@link #inline}), which
 * finds the first problem and words it. The results are therefore those of the one-thread
 * verification; only the time differs. A store failure propagates.
 *
 * <p>The worker never outlives {@link #verify}: it is joined before the call returns or throws, also
 * when the check ends early. An interrupt of the calling thread while it waits for the worker stops
 * the worker and ends the verification with {@link CancellationException}, the thread's interrupt
 * status set; a failure of the worker is thrown to the calling thread.
 */
final class TreeTap {
  /** When and how the work moves to a second thread; tests choose small values. */
  record Pipeline(int from, int batch, ThreadFactory threads) {
    /**
     * Inline up to 4,096 events, then batches of 1,024 events, queued at most 4 deep (chosen by
     * measurement, docs/benchmarks.md): small batches let the two threads' shares even out, and the
     * calling thread checks the hashes of the last queued batches instead of waiting for the worker.
     */
    static final Pipeline DEFAULT = new Pipeline(4_096, 1_024, TreeTap::newWorkerThread);

    /** Never a second thread: the one-thread verification. */
    static final Pipeline INLINE = new Pipeline(Integer.MAX_VALUE, 1_024, TreeTap::newWorkerThread);

    Pipeline {
      if (from < 0 || batch < 1) {
        throw new IllegalArgumentException("from >= 0 and batch >= 1");
      }
      Objects.requireNonNull(threads, "threads");
    }
  }

  /** A valid chain's verification, the tree of its event hashes, and the root at the kept size (null if never reached). */
  record Outcome(AuditVerification verification, AuditTree.Frontier frontier, Hash rootAtKept) {}

  static final String THREAD_NAME = "spaceduck-audit-tree";
  private static final int QUEUE_DEPTH = 4;
  private static final Batch END = new Batch(0);

  private static Thread newWorkerThread(Runnable r) {
    Thread t = new Thread(r, THREAD_NAME);
    t.setDaemon(true);
    return t;
  }

  private TreeTap() {}

  /** Appends a leaf; the root at the kept size if the tree just reached it, else {@code atKept}. */
  private static Hash append(AuditTree.Frontier f, Hash eventHash, long keptSize, Hash atKept) {
    f.append(eventHash);
    return f.size() == keptSize ? f.root() : atKept;
  }

  /**
   * The one-thread verification: {@code chain} over the events, the tree computed as they pass. When
   * the chain's verdict is not valid, the outcome's frontier and root are incomplete and not to be used.
   */
  static Outcome inline(Iterator<AuditEvent> events, Optional<AuditHead> expected, long keptSize,
      BiFunction<Iterator<AuditEvent>, Optional<AuditHead>, AuditVerification> chain) {
    AuditTree.Frontier frontier = new AuditTree.Frontier();
    Hash[] atKept = {keptSize == 0 ? AuditTree.EMPTY_ROOT : null};
    Iterator<AuditEvent> tapped = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return events.hasNext();
      }

      @Override
      public AuditEvent next() {
        AuditEvent e = events.next();
        atKept[0] = append(frontier, e.hash(), keptSize, atKept[0]);
        return e;
      }
    };
    return new Outcome(chain.apply(tapped, expected), frontier, atKept[0]);
  }

  /**
   * The two-thread check described above: the outcome if every link and hash holds and the expected
   * head (if any) is in the chain; empty if anything does not, for the one-thread verification to
   * find and word.
   */
  static Optional<Outcome> verify(Iterator<AuditEvent> events, Optional<AuditHead> expected, long keptSize, Pipeline pipeline) {
    AuditTree.Frontier frontier = new AuditTree.Frontier();
    Hash atKept = keptSize == 0 ? AuditTree.EMPTY_ROOT : null;
    AuditChain.HashCheck mine = new AuditChain.HashCheck();
    long expectedSeq = 1;
    Hash prev = Hash.ZERO;
    boolean expectedSeen = expected.isEmpty();
    AuditEvent last = null;
    Worker worker = null;
    Batch batch = null;
    try {
      while (events.hasNext()) {
        AuditEvent e = events.next();
        if (e.seq() != expectedSeq || !e.prevHash().equals(prev)) {
          return Optional.empty();
        }
        if (expected.isPresent() && expected.get().seq() == e.seq()) {
          if (!expected.get().hash().equals(e.hash())) {
            return Optional.empty();
          }
          expectedSeen = true;
        }
        prev = e.hash();
        last = e;
        if (worker == null) {
          if (expectedSeq <= pipeline.from()) {
            if (!mine.matches(e)) {
              return Optional.empty();
            }
            atKept = append(frontier, e.hash(), keptSize, atKept);
            expectedSeq++;
            continue;
          }
          worker = new Worker(frontier, keptSize, atKept, pipeline.threads());
          worker.thread.start(); // hands the frontier over: start() is a happens-before edge
          batch = new Batch(pipeline.batch());
        }
        expectedSeq++;
        batch.events[batch.size++] = e;
        if (batch.size == batch.events.length) {
          if (worker.bad.get()) {
            return Optional.empty();
          }
          worker.handOver(batch, mine);
          batch = new Batch(pipeline.batch());
        }
      }
      if (!expectedSeen) {
        return Optional.empty();
      }
      if (worker != null) {
        if (batch.size > 0) {
          worker.handOver(batch, mine);
        }
        atKept = worker.finish(mine);
        frontier = worker.result;
        if (worker.bad.get()) {
          return Optional.empty();
        }
      }
      return Optional.of(new Outcome(
          AuditVerification.ok(expectedSeq - 1, Optional.ofNullable(last).map(AuditEvent::head)), frontier, atKept));
    } catch (CorruptAuditEventException c) {
      return Optional.empty(); // the one-thread verification places and words it
    } finally {
      if (worker != null) {
        worker.stop();
      }
    }
  }

  /** Up to {@code batch} events; their hashes are checked by whichever thread claims the batch first. */
  private static final class Batch {
    final AuditEvent[] events;
    int size;
    private final AtomicBoolean claimed = new AtomicBoolean();

    Batch(int capacity) {
      events = new AuditEvent[capacity];
    }

    /** Checks the batch's hashes unless the other thread claimed it; a mismatch sets {@code bad}. */
    void checkUnlessClaimed(AuditChain.HashCheck check, AtomicBoolean bad) {
      if (!claimed.compareAndSet(false, true)) {
        return;
      }
      for (int i = 0; i < size; i++) {
        if (!check.matches(events[i])) {
          bad.set(true);
          return;
        }
      }
    }
  }

  /** Appends the hashes of the batches it is handed to the tree, then checks those no one claimed. */
  private static final class Worker implements Runnable {
    final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(QUEUE_DEPTH);
    final AtomicBoolean bad = new AtomicBoolean();
    final Thread thread;
    private final AuditTree.Frontier frontier;
    private final long keptSize;
    private AuditTree.Frontier result; // the worker's own copy of the frontier; read after join()
    private Hash atKept; // written by the worker only; read after join()
    private volatile Throwable failure;

    Worker(AuditTree.Frontier frontier, long keptSize, Hash atKept, ThreadFactory threads) {
      this.frontier = frontier;
      this.keptSize = keptSize;
      this.atKept = atKept;
      this.thread = threads.newThread(this);
    }

    @Override
    public void run() {
      // the worker's own copy, allocated on this thread: appending to the caller's frontier made the
      // two threads fight over the cache lines it shares with the caller's encoder, and the calling
      // thread's CPU time per verification grew by half (docs/benchmarks.md, session 10)
      AuditTree.Frontier f = frontier.copy();
      result = f;
      long kept = keptSize;
      Hash at = atKept;
      AuditChain.HashCheck check = new AuditChain.HashCheck();
      try {
        while (true) {
          Batch b = queue.take();
          if (b == END) {
            return;
          }
          for (int i = 0; i < b.size; i++) {
            at = append(f, b.events[i].hash(), kept, at);
          }
          atKept = at;
          b.checkUnlessClaimed(check, bad);
        }
      } catch (InterruptedException e) {
        // the verification ended early: stop() interrupts us
      } catch (Throwable t) {
        failure = t;
      }
    }

    /**
     * Queues a batch; then, if the worker is behind (another batch still waits before this one),
     * checks this batch's hashes here, so the worker will only append it to the tree. Queued first,
     * so the worker never waits for the calling thread's check.
     */
    void handOver(Batch b, AuditChain.HashCheck mine) {
      put(b);
      if (queue.size() > 1) {
        b.checkUnlessClaimed(mine, bad);
      }
    }

    /**
     * After the last batch: checks the hashes of the batches still queued (the worker only appends
     * them to the tree), waits for the worker and returns the root at the kept size.
     */
    Hash finish(AuditChain.HashCheck mine) {
      for (Batch b : queue) {
        b.checkUnlessClaimed(mine, bad);
      }
      put(END);
      try {
        thread.join();
      } catch (InterruptedException e) {
        throw cancelled();
      }
      rethrowFailure();
      return atKept;
    }

    private void put(Batch b) {
      rethrowFailure();
      try {
        // a bounded wait, so that a worker that died is noticed instead of waited for
        while (!queue.offer(b, 50, TimeUnit.MILLISECONDS)) {
          rethrowFailure();
          if (!thread.isAlive()) {
            throw new IllegalStateException("the audit tree worker stopped");
          }
        }
      } catch (InterruptedException e) {
        throw cancelled();
      }
    }

    /** Stops and joins the worker if it still runs; keeps the calling thread's interrupt status. */
    void stop() {
      if (!thread.isAlive()) {
        return;
      }
      thread.interrupt();
      boolean interrupted = false;
      while (true) {
        try {
          thread.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    private void rethrowFailure() {
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

  private static CancellationException cancelled() {
    Thread.currentThread().interrupt();
    return new CancellationException("the audit verification was interrupted");
  }
}
