package io.spaceduck.core.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import io.spaceduck.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The token buckets of R1 (and H5) on an injected clock, and the bound on how many are kept. */
class RateLimiterTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final RateLimits.Bucket THREE_PER_SECOND = new RateLimits.Bucket(3, 1);

  private final MutableClock clock = new MutableClock(T0);

  private static void takeAll(RateLimiter limiter, String key, RateLimits.Bucket spec, int n) {
    for (int i = 0; i < n; i++) {
      limiter.acquire(key, spec);
    }
  }

  @Test
  @Tag("R1")
  void burstThenRefusal_withRetryAfter_thenRefillWithTheClock() {
    RateLimiter limiter = new RateLimiter(clock);
    takeAll(limiter, "dk_a", THREE_PER_SECOND, 3);

    RateLimited limited = assertThrows(RateLimited.class, () -> limiter.acquire("dk_a", THREE_PER_SECOND));
    assertEquals(Duration.ofSeconds(1), limited.retryAfter());

    clock.advance(Duration.ofMillis(400));
    assertEquals(Duration.ofMillis(600), assertThrows(RateLimited.class, () -> limiter.acquire("dk_a", THREE_PER_SECOND)).retryAfter());

    clock.advance(Duration.ofMillis(600));
    limiter.acquire("dk_a", THREE_PER_SECOND);
    assertThrows(RateLimited.class, () -> limiter.acquire("dk_a", THREE_PER_SECOND));

    // refill is capped at the capacity
    clock.advance(Duration.ofHours(1));
    takeAll(limiter, "dk_a", THREE_PER_SECOND, 3);
    assertThrows(RateLimited.class, () -> limiter.acquire("dk_a", THREE_PER_SECOND));
  }

  @Test
  @Tag("R1")
  void bucketsArePerKey() {
    RateLimiter limiter = new RateLimiter(clock);
    takeAll(limiter, "dk_a", THREE_PER_SECOND, 3);
    assertThrows(RateLimited.class, () -> limiter.acquire("dk_a", THREE_PER_SECOND));
    assertDoesNotThrow(() -> takeAll(limiter, "dk_b", THREE_PER_SECOND, 3));
  }

  @Test
  @Tag("R1")
  void theInstantPassedIn_isTheOneCharged() {
    RateLimiter limiter = new RateLimiter(clock);
    for (int i = 0; i < 3; i++) {
      limiter.acquire("dk_a", THREE_PER_SECOND, T0);
    }
    assertThrows(RateLimited.class, () -> limiter.acquire("dk_a", THREE_PER_SECOND, T0));
    limiter.acquire("dk_a", THREE_PER_SECOND, T0.plusSeconds(1)); // the clock itself never moved
  }

  @Test
  @Tag("R1")
  void aClockThatStepsBack_neitherRefillsNorBreaks() {
    RateLimiter limiter = new RateLimiter(clock);
    takeAll(limiter, "dk_a", THREE_PER_SECOND, 3);
    clock.set(T0.minusSeconds(10));
    assertThrows(RateLimited.class, () -> limiter.acquire("dk_a", THREE_PER_SECOND));
    clock.set(T0.plusSeconds(1));
    limiter.acquire("dk_a", THREE_PER_SECOND);
  }

  @Test
  @Tag("R1")
  void idleBuckets_thatRefilled_areDroppedAsNewCallersArrive() {
    RateLimiter limiter = new RateLimiter(clock, 1_000_000);
    for (int i = 0; i < 5_000; i++) {
      limiter.acquire("dk_idle" + i, THREE_PER_SECOND);
    }
    assertTrue(limiter.size() <= 5_000);
    // three seconds on, every one of them is full again: the next insertions sweep them away
    clock.advance(Duration.ofSeconds(3));
    for (int i = 0; i < 5_000; i++) {
      limiter.acquire("dk_new" + i, THREE_PER_SECOND);
    }
    assertTrue(limiter.size() <= 5_000 + 1024, "idle buckets were not dropped: " + limiter.size());
  }

  @Test
  @Tag("R1")
  void overload_dropsTheLeastRecentlyUsed_whichComesBackFull() {
    RateLimiter limiter = new RateLimiter(clock, 4);
    takeAll(limiter, "dk_a", THREE_PER_SECOND, 2);
    clock.advance(Duration.ofSeconds(1)); // dk_a holds 2 tokens: not full, must be kept
    for (int i = 0; i < 20; i++) {
      limiter.acquire("dk_other" + i, new RateLimits.Bucket(1, 1e-9)); // never refill: never dropped as idle
      clock.advance(Duration.ofMillis(1));
    }
    // overload dropped some buckets; dk_a, used before all the others, was least recently used and
    // comes back full — the one way a bucket forgets spent tokens, and it errs towards allowing
    takeAll(limiter, "dk_a", THREE_PER_SECOND, 3);
    assertThrows(RateLimited.class, () -> limiter.acquire("dk_a", THREE_PER_SECOND));
  }

  @Test
  @Tag("R1")
  void aBucketThatIsNotFull_survivesSweeps_whileUnderTheBound() {
    RateLimiter limiter = new RateLimiter(clock, 1_000_000);
    takeAll(limiter, "dk_busy", THREE_PER_SECOND, 3);
    clock.advance(Duration.ofSeconds(3));
    for (int i = 0; i < 10_000; i++) {
      limiter.acquire("dk_x" + i, THREE_PER_SECOND); // sweeps run as these arrive
    }
    // dk_busy refilled and may have been dropped: a dropped full bucket and a kept one are the same
    takeAll(limiter, "dk_busy", THREE_PER_SECOND, 3);
    assertThrows(RateLimited.class, () -> limiter.acquire("dk_busy", THREE_PER_SECOND));
    // the dk_x buckets each hold 2 of 3 tokens at the same instant: none was dropped
    for (int i = 0; i < 10_000; i++) {
      limiter.acquire("dk_x" + i, THREE_PER_SECOND);
      limiter.acquire("dk_x" + i, THREE_PER_SECOND);
    }
    for (int i = 0; i < 10_000; i++) {
      String key = "dk_x" + i;
      assertThrows(RateLimited.class, () -> limiter.acquire(key, THREE_PER_SECOND), key);
    }
  }

  @Test
  @Tag("R1")
  void theNumberOfBuckets_staysBounded_evenWhenNoneIsIdle() {
    RateLimiter limiter = new RateLimiter(clock, 1_000);
    RateLimits.Bucket slow = new RateLimits.Bucket(5, 1e-6); // nothing refills during the test
    int max = 0;
    for (int i = 0; i < 50_000; i++) {
      limiter.acquire("dk_" + i, slow);
      max = Math.max(max, limiter.size());
      if (i % 1_000 == 0) {
        clock.advance(Duration.ofMillis(1));
      }
    }
    assertTrue(max <= 1_000, "grew to " + max);
    // the most recently used callers kept their buckets
    for (int i = 0; i < 4; i++) {
      limiter.acquire("dk_49999", slow);
    }
    assertThrows(RateLimited.class, () -> limiter.acquire("dk_49999", slow));
  }

  @Test
  @Tag("R1")
  void concurrentCallers_neverGetMoreThanTheBucketHolds_whileSweepsRun() throws InterruptedException {
    RateLimiter limiter = new RateLimiter(clock, 1_000_000);
    RateLimits.Bucket spec = new RateLimits.Bucket(1_000, 1);
    AtomicInteger granted = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      threads.add(new Thread(() -> {
        await(start);
        for (int i = 0; i < 2_000; i++) {
          try {
            limiter.acquire("dk_shared", spec);
            granted.incrementAndGet();
          } catch (RateLimited e) {
            // expected once the bucket is empty
          }
        }
      }));
    }
    int[] sweeper = {0};
    threads.add(new Thread(() -> {
      await(start);
      for (int i = 0; i < 20_000; i++) {
        limiter.acquire("dk_churn" + i, new RateLimits.Bucket(1, 1)); // each empties its bucket: kept
        sweeper[0]++;
      }
    }));
    threads.forEach(Thread::start);
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    // the clock never moved: exactly the capacity, no matter how the sweeps interleaved
    assertEquals(1_000, granted.get());
    assertEquals(20_000, sweeper[0]);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  @Tag("R1")
  @Tag("K6")
  void failureCharges_aSprayOfKeyIds_staysWithinTheBound_andASpentBucketStillWaits() {
    RateLimits.Bucket spec = new RateLimits.Bucket(3, 1.0 / 60);
    RateLimiter limiter = new RateLimiter(clock, 2_000);
    for (int i = 0; i < 3; i++) {
      limiter.charge("target", spec, clock.instant());
    }
    assertTrue(limiter.waitNanos("target", spec, clock.instant()) > 0);
    // an attacker charges 200,000 random key ids once each, a few per millisecond
    for (int i = 0; i < 200_000; i++) {
      limiter.charge("spray" + i, spec, clock.instant());
      if (i % 4 == 0) {
        clock.advance(Duration.ofMillis(1));
      }
      assertTrue(limiter.size() <= 2_000, "bounded: " + limiter.size());
    }
    assertEquals(0, limiter.waitNanos("never-charged", spec, clock.instant()), "a missing bucket is a full one");
  }

  @Test
  @Tag("R1")
  void failureCharges_goIntoDebtDownToOneBurst_soParallelAttemptsArePaidFor() {
    RateLimits.Bucket spec = new RateLimits.Bucket(2, 1);
    RateLimiter limiter = new RateLimiter(clock);
    assertEquals(0, limiter.waitNanos("k", spec, clock.instant()));
    for (int i = 0; i < 10; i++) {
      limiter.charge("k", spec, clock.instant()); // ten attempts that all passed the check at once
    }
    // balance -2 (floored at minus the capacity): three seconds until a whole token
    assertEquals(Duration.ofSeconds(3).toNanos(), limiter.waitNanos("k", spec, clock.instant()));
    clock.advance(Duration.ofSeconds(3));
    assertEquals(0, limiter.waitNanos("k", spec, clock.instant()));
  }
}
