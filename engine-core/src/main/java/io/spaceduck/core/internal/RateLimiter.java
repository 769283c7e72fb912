package io.spaceduck.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import java.time.Clock;
import java.time.Duration;

/**
 * Token buckets per key (caller identity, hatch source) on the injected clock (R1, H5). Buckets live
 * in a bounded Caffeine cache; an evicted bucket comes back full, which only ever errs towards
 * allowing a caller that has been idle. Per engine instance: several instances on one store each
 * enforce the limit. Thread-safe.
 */
final class RateLimiter {
  private final Clock clock;
  private final Cache<String, Bucket> buckets =
      Caffeine.newBuilder().maximumSize(1_000_000).expireAfterAccess(Duration.ofHours(1)).build();

  RateLimiter(Clock clock) {
    this.clock = clock;
  }

  /**
   * Takes one token from the bucket named {@code key}.
   *
   * @throws RateLimited with the time until a token is available
   */
  void acquire(String key, RateLimits.Bucket spec) {
    Bucket b = buckets.get(key, k -> new Bucket(spec.capacity(), nanos()));
    long waitNanos = b.take(spec, nanos());
    if (waitNanos > 0) {
      throw new RateLimited(Duration.ofNanos(waitNanos));
    }
  }

  private long nanos() {
    java.time.Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.last = now;
    }

    /** Returns 0 when a token was taken, else the nanoseconds until one is available. */
    synchronized long take(RateLimits.Bucket spec, long now) {
      if (now > last) {
        tokens = Math.min(spec.capacity(), tokens + (now - last) / 1e9 * spec.refillPerSecond());
        last = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / spec.refillPerSecond() * 1e9));
    }
  }
}
