package io.spaceduck.storage.jdbc;

import java.time.Duration;

/**
 * The group committer's gathering decision ({@link JdbcOptions#groupCommitDelay()}): whether, and
 * until when, to hold a batch back for more units. Kept apart from {@link GroupCommitter} and fed the
 * commit thread's own clock readings ({@link System#nanoTime()}), so that every rule below is tested
 * without a database or a scheduler ({@code GatheringTest}).
 *
 * <ol>
 *   <li><b>Expect the callers just released.</b> A caller of {@code execute} waits for its unit, so
 *       callers in a loop resubmit only once their batch has committed. The next batch expects the
 *       units of the callers its predecessor released plus those that were already waiting then
 *       (other callers, one unit outstanding each), at most {@code maxBatch}; it commits as soon as it
 *       holds that many. A lone caller (it expects one: its own) never waits.
 *   <li><b>Never longer than a commit.</b> The wait ends at the release plus the delay or plus the
 *       last batch's own duration (taken to released), whichever is shorter: a caller that misses a
 *       batch waits one commit for the next, so holding a batch longer than a commit takes gains
 *       nothing. On a database whose commit costs microseconds (H2 in memory), gathering costs
 *       microseconds.
 *   <li><b>Back off when the expected callers do not come.</b> A wait that runs out (callers that
 *       think between calls, or were not scheduled in time) makes the next batch commit without
 *       waiting; {@code k} such waits in a row skip the next {@code 2^k − 1} gatherings (at most
 *       {@value #MAX_SKIP}), and a wait that ends complete resets it. So a workload gathering does not
 *       help pays one delay per {@value #MAX_SKIP} batches or so, not one per batch.
 * </ol>
 *
 * <p>Not thread-safe: the commit thread's alone.
 */
final class Gathering {
  /** Timeouts in a row beyond which the back-off grows no further. */
  private static final int MAX_TIMEOUTS_COUNTED = 6;

  /** Most gatherings skipped after waits that ran out: {@code 2^6 − 1}. */
  static final int MAX_SKIP = (1 << MAX_TIMEOUTS_COUNTED) - 1;

  /** {@link #deadline} when the batch commits at once. */
  static final long NO_WAIT = Long.MIN_VALUE;

  private final long delayNanos;
  private final int maxBatch;

  // the last release: units of the batch, other units waiting then (-1 until a batch was released),
  // when, and how long that batch took from taken to released
  private int released;
  private int waitingAtRelease = -1;
  private long releasedAt;
  private long lastBatchNanos;

  private int timeoutsInARow;
  private int toSkip;
  private long skipped;

  Gathering(Duration delay, int maxBatch) {
    this.delayNanos = delay.toNanos();
    this.maxBatch = maxBatch;
  }

  /**
   * A batch was committed (or failed): {@code units} callers released at {@code now}, {@code waiting}
   * other units queued at that moment, {@code batchNanos} from taking the batch to releasing it.
   */
  void released(int units, int waiting, long now, long batchNanos) {
    this.released = units;
    this.waitingAtRelease = waiting;
    this.releasedAt = now;
    this.lastBatchNanos = Math.max(0, batchNanos);
  }

  /** Units the next batch expects (rule 1); 0 before any release. */
  int expected() {
    return waitingAtRelease < 0 ? 0 : Math.min(maxBatch, released + waitingAtRelease);
  }

  /**
   * The {@code System.nanoTime()} until which a batch holding {@code held} units waits for more, or
   * {@link #NO_WAIT}. A batch that would have waited but is skipped (rule 3) counts its skip here.
   */
  long deadline(int held, boolean closing) {
    if (delayNanos == 0 || closing || held >= expected()) {
      return NO_WAIT;
    }
    long bound = Math.min(delayNanos, lastBatchNanos);
    if (bound == 0) {
      return NO_WAIT;
    }
    if (toSkip > 0) {
      toSkip--;
      skipped++;
      return NO_WAIT;
    }
    return releasedAt + bound;
  }

  /** A wait {@link #deadline} allowed ended: {@code timedOut} if it ran out before the expected units came. */
  void waited(boolean timedOut) {
    if (timedOut) {
      timeoutsInARow = Math.min(timeoutsInARow + 1, MAX_TIMEOUTS_COUNTED);
      toSkip = (1 << timeoutsInARow) - 1;
    } else {
      timeoutsInARow = 0;
      toSkip = 0;
    }
  }

  /** Gatherings skipped after waits that ran out (rule 3); for tests. */
  long skipped() {
    return skipped;
  }
}
