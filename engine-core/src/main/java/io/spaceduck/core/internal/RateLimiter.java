package io.spaceduck.core.internal;

import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Token buckets per key (caller identity, hatch source) on the injected clock (R1, H5). Per engine
 * instance: several instances on one store each enforce the limit. Thread-safe.
 *
 * <p>Every authenticated call passes through {@link #acquire}, so its common case — the caller
 * already has a bucket — is one {@link ConcurrentHashMap} lookup by a string the caller already
 * holds and one compare-and-set of the bucket's state: no key building, no per-call bookkeeping, no
 * background thread to wake (a Caffeine cache did all three here and cost more than the lookup).
 *
 * <p><b>Bounded.</b> The map is swept on the thread that adds a bucket, when the number of buckets
 * has doubled since the last sweep (and passed 1,024) or exceeds {@code maxBuckets}, so a sweep's
 * cost is spread over the insertions that caused it and a call that finds its bucket never pays:
 *
 * <ol>
 *   <li>A bucket that has refilled to capacity is dropped. That changes nothing: the next call would
 *       create it again, full. So idle callers (a million identities that called once) cost no memory
 *       once their buckets have refilled and the next sweep has run.
 *   <li>If more than three quarters of {@code maxBuckets} are still not full — that many callers
 *       active within one refill period — the least recently used are dropped down to half. Only this
 *       overload step forgets spent tokens, and it errs towards allowing a caller, never refusing one.
 * </ol>
 *
 * A dropped bucket is retired by the same compare-and-set, so a call that found it just before the
 * sweep takes its token from the bucket that replaces it, never from the retired one.
 */
final class RateLimiter {
  static final int DEFAULT_MAX_BUCKETS = 1_000_000;
  private static final int FIRST_SWEEP = 1024;

  private final Clock clock;
  private final int maxBuckets;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final ReentrantLock sweeping = new ReentrantLock();
  private volatile int sweepAbove;

  RateLimiter(Clock clock) {
    this(clock, DEFAULT_MAX_BUCKETS);
  }

  RateLimiter(Clock clock, int maxBuckets) {
    if (maxBuckets < 2) {
      throw new IllegalArgumentException("maxBuckets >= 2");
    }
    this.clock = clock;
    this.maxBuckets = maxBuckets;
    this.sweepAbove = Math.min(FIRST_SWEEP, maxBuckets);
  }

  /**
   * Takes one token from the bucket named {@code key}, at the clock's current instant.
   *
   * @throws RateLimited with the time until a token is available
   */
  void acquire(String key, RateLimits.Bucket spec) {
    acquire(key, spec, clock.instant());
  }

  /**
   * Takes one token from the bucket named {@code key} at {@code now} (an instant the caller already
   * read from the injected clock).
   *
   * @throws RateLimited with the time until a token is available
   */
  void acquire(String key, RateLimits.Bucket spec, Instant now) {
    long t = nanos(now);
    while (true) {
      Bucket b = bucketFor(key, spec, t);
      long waitNanos = b.take(spec, t);
      if (waitNanos == Bucket.RETIRED) {
        buckets.remove(key, b); // swept between our lookup and our take; the sweeper may not have removed it yet
        continue;
      }
      if (waitNanos > 0) {
        throw new RateLimited(Duration.ofNanos(waitNanos));
      }
      return;
    }
  }

  /** The bucket named {@code key}, inserted full at {@code t} if there is none. */
  private Bucket bucketFor(String key, RateLimits.Bucket spec, long t) {
    Bucket b = buckets.get(key);
    if (b == null) {
      Bucket fresh = new Bucket(spec, t);
      b = buckets.putIfAbsent(key, fresh);
      if (b == null) {
        b = fresh;
        afterInsert(t);
      }
    }
    return b;
  }

  /**
   * The nanoseconds until the bucket named {@code key} holds a whole token at {@code now}; 0 when it
   * does or does not exist (a missing bucket is a full one). Takes nothing: with {@link #charge} it
   * limits events that are counted only after the fact (failed authentications, K6).
   */
  long waitNanos(String key, RateLimits.Bucket spec, Instant now) {
    Bucket b = buckets.get(key);
    return b == null ? 0 : b.wait(spec, nanos(now));
  }

  /**
   * Takes one token from the bucket named {@code key} at {@code now} even if it holds none: the
   * balance may fall to minus the capacity, so attempts that passed {@link #waitNanos} together (in
   * flight at once) are still paid for, and a bucket never owes more than one more burst.
   */
  void charge(String key, RateLimits.Bucket spec, Instant now) {
    long t = nanos(now);
    while (true) {
      Bucket b = bucketFor(key, spec, t);
      if (b.charge(spec, t)) {
        return;
      }
      buckets.remove(key, b); // retired by a sweep between our lookup and our charge
    }
  }

  /** The number of buckets held (for tests of the bound). */
  int size() {
    return buckets.size();
  }

  private static long nanos(Instant now) {
    // saturates instead of overflowing for instants beyond ±292 years of the epoch
    long s = now.getEpochSecond();
    if (s > Long.MAX_VALUE / 1_000_000_000L - 1) {
      return Long.MAX_VALUE;
    }
    if (s < Long.MIN_VALUE / 1_000_000_000L + 1) {
      return Long.MIN_VALUE;
    }
    return s * 1_000_000_000L + now.getNano();
  }

  private void afterInsert(long now) {
    int size = buckets.size();
    if (size > maxBuckets) {
      sweeping.lock(); // over the hard bound: wait for (or run) a sweep rather than grow further
    } else if (size <= sweepAbove || !sweeping.tryLock()) {
      return; // nothing to do, or another thread is already sweeping
    }
    try {
      if (buckets.size() > sweepAbove) {
        sweep(now);
      }
    } finally {
      sweeping.unlock();
    }
  }

  /** Runs under {@link #sweeping}. */
  private void sweep(long now) {
    for (Map.Entry<String, Bucket> e : buckets.entrySet()) {
      if (e.getValue().retireIfFull(now)) {
        buckets.remove(e.getKey(), e.getValue());
      }
    }
    if (buckets.size() > maxBuckets / 4 * 3) {
      evictLeastRecentlyUsed(maxBuckets / 2);
    }
    int left = buckets.size();
    sweepAbove = (int) Math.min(maxBuckets, Math.max(FIRST_SWEEP, 2L * left));
  }

  /** The overload step: keeps the {@code keep} most recently used buckets. */
  private void evictLeastRecentlyUsed(int keep) {
    long[] used = new long[buckets.size()];
    int n = 0;
    for (Bucket b : buckets.values()) {
      if (n == used.length) {
        break; // inserted since the array was sized: newer than everything counted
      }
      used[n++] = b.lastUsed();
    }
    if (n <= keep) {
      return;
    }
    Arrays.sort(used, 0, n);
    int drop = n - keep;
    long cutoff = used[drop - 1]; // at least `drop` buckets were used no later than this
    for (Map.Entry<String, Bucket> e : buckets.entrySet()) {
      if (drop == 0) {
        break; // ties at the cutoff: keep the rest rather than drop more than needed
      }
      if (e.getValue().retireIfUsedNoLaterThan(cutoff)) {
        buckets.remove(e.getKey(), e.getValue());
        drop--;
      }
    }
  }

  /**
   * One token bucket: an immutable state swapped by compare-and-set. Lock-free because every call of
   * one identity charges this one bucket: with a lock, a thread preempted inside it (two cores shared
   * with other work) stalled every other thread of that identity. The state is a field of the bucket
   * itself, not of an {@code AtomicReference} beside it: with a million callers most buckets are out
   * of the CPU caches, and each object on the way is one more trip to main memory on every call.
   */
  private static final class Bucket {
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Bucket.class, "state", State.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** What {@link #take} returns once the bucket has left the map. */
    static final long RETIRED = -1;

    private record State(double tokens, long last, RateLimits.Bucket spec) {}

    // compared by identity: the state of a bucket that has left the map
    private static final State GONE = new State(0, Long.MIN_VALUE, new RateLimits.Bucket(1, 1));

    private volatile State state; // compare-and-set through STATE

    Bucket(RateLimits.Bucket spec, long now) {
      this.state = new State(spec.capacity(), now, spec);
    }

    /** The tokens of {@code s} at {@code now}: refilled since its last use, up to the capacity. */
    private static double refilled(State s, RateLimits.Bucket spec, long now) {
      return now > s.last() ? Math.min(spec.capacity(), s.tokens() + (now - s.last()) / 1e9 * spec.refillPerSecond()) : s.tokens();
    }

    /** Nanoseconds until {@code tokens} (less than one) have refilled to a whole token; at least 1. */
    private static long nanosUntilWhole(double tokens, RateLimits.Bucket spec) {
      return Math.max(1, (long) Math.ceil((1 - tokens) / spec.refillPerSecond() * 1e9));
    }

    /** Returns 0 when a token was taken, {@link #RETIRED}, else the nanoseconds until one is available. */
    long take(RateLimits.Bucket spec, long now) {
      while (true) {
        State s = state;
        if (s == GONE) {
          return RETIRED;
        }
        double tokens = refilled(s, spec, now);
        long last = Math.max(now, s.last());
        boolean granted = tokens >= 1;
        // the caller's tier may have changed: the last spec decides when the bucket is full
        State next = new State(granted ? tokens - 1 : tokens, last, spec);
        if (STATE.compareAndSet(this, s, next)) {
          return granted ? 0 : nanosUntilWhole(tokens, spec);
        }
      }
    }

    /** Nanoseconds until a whole token is available at {@code now} (0: one is). Changes nothing. */
    long wait(RateLimits.Bucket spec, long now) {
      State s = state;
      if (s == GONE) {
        return 0; // swept because it was full
      }
      double tokens = refilled(s, spec, now);
      return tokens >= 1 ? 0 : nanosUntilWhole(tokens, spec);
    }

    /** Takes a token, into debt down to minus the capacity; false if the bucket was retired. */
    boolean charge(RateLimits.Bucket spec, long now) {
      while (true) {
        State s = state;
        if (s == GONE) {
          return false;
        }
        double tokens = refilled(s, spec, now);
        long last = Math.max(now, s.last());
        State next = new State(Math.max(-spec.capacity(), tokens - 1), last, spec);
        if (STATE.compareAndSet(this, s, next)) {
          return true;
        }
      }
    }

    /** Retires the bucket if, refilled to {@code now}, it is full (then it equals a fresh one). */
    boolean retireIfFull(long now) {
      while (true) {
        State s = state;
        if (s == GONE) {
          return true;
        }
        double refilled = now > s.last() ? s.tokens() + (now - s.last()) / 1e9 * s.spec().refillPerSecond() : s.tokens();
        if (refilled < s.spec().capacity()) {
          return false;
        }
        if (STATE.compareAndSet(this, s, GONE)) {
          return true;
        }
      }
    }

    boolean retireIfUsedNoLaterThan(long cutoff) {
      while (true) {
        State s = state;
        if (s == GONE) {
          return true;
        }
        if (s.last() > cutoff) {
          return false;
        }
        if (STATE.compareAndSet(this, s, GONE)) {
          return true;
        }
      }
    }

    long lastUsed() {
      return state.last();
    }
  }
}
