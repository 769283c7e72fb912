package io.spaceduck.api;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Token-bucket rate limits (R1, H5, K6): a bucket per caller identity sized by its tier, one per hatch
 * source, and two that throttle online guessing of Beak Keys: failed authentications per key id and
 * per caller source ({@link BeakKey#of(String, String)}). Immutable.
 *
 * <p>A failure bucket is charged only by a failed authentication; while it is empty every attempt
 * with that key id (or from that source) is refused with {@link RateLimited} before any key is
 * checked, the right key included — otherwise the guesser would learn which guess was right. Unknown
 * and known key ids are charged alike, so the refusal says nothing about whether a key id exists (K6).
 * Key ids are not secret: whoever floods a key id with wrong secrets also delays its owner, for as
 * long as the flood goes on plus one refill — hence a generous per-key-id refill.
 *
 * @param perTier bucket per tier; every tier must be present
 * @param hatchPerSource bucket per hatch {@code source}
 * @param authFailuresPerKeyId bucket of failed authentications per key id
 * @param authFailuresPerSource bucket of failed authentications per caller source
 */
public record RateLimits(
    Map<Tier, Bucket> perTier, Bucket hatchPerSource, Bucket authFailuresPerKeyId, Bucket authFailuresPerSource) {
  /** Default failed-authentication bucket per key id: burst 20, one more per second. */
  public static final Bucket DEFAULT_AUTH_FAILURES_PER_KEY_ID = new Bucket(20, 1);

  /** Default failed-authentication bucket per caller source: burst 60, one more per second. */
  public static final Bucket DEFAULT_AUTH_FAILURES_PER_SOURCE = new Bucket(60, 1);

  /**
   * A token bucket.
   *
   * @param capacity burst size, from 1 to 2<sup>53</sup> (beyond, a {@code double} balance could no
   *     longer tell one token from none and the bucket would never run dry)
   * @param refillPerSecond tokens added per second, finite and &gt; 0
   */
  public record Bucket(long capacity, double refillPerSecond) {
    private static final long MAX_CAPACITY = 1L << 53;

    /**
     * @throws IllegalArgumentException if {@code capacity} is outside 1 … 2<sup>53</sup>, or
     *     {@code refillPerSecond} is not finite and positive; the message names the component
     */
    public Bucket {
      if (capacity < 1 || capacity > MAX_CAPACITY) {
        throw new IllegalArgumentException("capacity must be between 1 and " + MAX_CAPACITY + ", was " + capacity);
      }
      if (!(refillPerSecond > 0) || Double.isInfinite(refillPerSecond)) {
        throw new IllegalArgumentException(
            "refillPerSecond must be finite and greater than 0, was " + refillPerSecond);
      }
    }
  }

  /**
   * @throws NullPointerException if a bucket, {@code perTier} or one of its keys or buckets is null
   * @throws IllegalArgumentException if {@code perTier} lacks a tier
   */
  public RateLimits {
    Objects.requireNonNull(perTier, "perTier");
    Objects.requireNonNull(hatchPerSource, "hatchPerSource");
    Objects.requireNonNull(authFailuresPerKeyId, "authFailuresPerKeyId");
    Objects.requireNonNull(authFailuresPerSource, "authFailuresPerSource");
    perTier.forEach((tier, bucket) -> {
      Objects.requireNonNull(tier, "perTier");
      Objects.requireNonNull(bucket, "perTier");
    });
    perTier = Map.copyOf(perTier);
    for (Tier t : Tier.values()) {
      if (!perTier.containsKey(t)) {
        throw new IllegalArgumentException("perTier must have a bucket for every tier, was missing " + t);
      }
    }
  }

  /** Per-tier and hatch buckets, with the default failed-authentication buckets. */
  public RateLimits(Map<Tier, Bucket> perTier, Bucket hatchPerSource) {
    this(perTier, hatchPerSource, DEFAULT_AUTH_FAILURES_PER_KEY_ID, DEFAULT_AUTH_FAILURES_PER_SOURCE);
  }

  /**
   * Defaults: T0 burst 20 at 2/s; T1 burst 100 at 20/s; T2 and T3 burst 300 at 50/s; hatch burst 5 per
   * source at one per minute; failed authentications burst 20 at 1/s per key id and burst 60 at 1/s
   * per source.
   */
  public static RateLimits defaults() {
    Map<Tier, Bucket> m = new EnumMap<>(Tier.class);
    m.put(Tier.T0, new Bucket(20, 2));
    m.put(Tier.T1, new Bucket(100, 20));
    m.put(Tier.T2, new Bucket(300, 50));
    m.put(Tier.T3, new Bucket(300, 50));
    return new RateLimits(m, new Bucket(5, 1.0 / 60));
  }

  /**
   * The same bucket for every tier, hatch sources and failed authentications (handy for tests and
   * benchmarks).
   */
  public static RateLimits uniform(Bucket bucket) {
    Map<Tier, Bucket> m = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      m.put(t, bucket);
    }
    return new RateLimits(m, bucket, bucket, bucket);
  }

  /** These limits with other failed-authentication buckets (per key id, per source). */
  public RateLimits withAuthFailures(Bucket perKeyId, Bucket perSource) {
    return new RateLimits(perTier, hatchPerSource, perKeyId, perSource);
  }
}
