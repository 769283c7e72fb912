package io.spaceduck.api;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Token-bucket rate limits (R1, H5): a bucket per caller identity sized by its tier, and one per hatch
 * source. Immutable.
 *
 * @param perTier bucket per tier; every tier must be present
 * @param hatchPerSource bucket per hatch {@code source}
 */
public record RateLimits(Map<Tier, Bucket> perTier, Bucket hatchPerSource) {
  /**
   * A token bucket.
   *
   * @param capacity burst size, ≥ 1
   * @param refillPerSecond tokens added per second, &gt; 0
   */
  public record Bucket(long capacity, double refillPerSecond) {
    public Bucket {
      if (capacity < 1 || !(refillPerSecond > 0) || Double.isInfinite(refillPerSecond)) {
        throw new IllegalArgumentException("capacity >= 1 and a finite refill > 0");
      }
    }
  }

  public RateLimits {
    Objects.requireNonNull(hatchPerSource, "hatchPerSource");
    perTier = Map.copyOf(perTier);
    for (Tier t : Tier.values()) {
      if (!perTier.containsKey(t)) {
        throw new IllegalArgumentException("missing bucket for " + t);
      }
    }
  }

  /**
   * Defaults: T0 burst 20 at 2/s; T1 burst 100 at 20/s; T2 and T3 burst 300 at 50/s; hatch burst 5 per
   * source at one per minute.
   */
  public static RateLimits defaults() {
    Map<Tier, Bucket> m = new EnumMap<>(Tier.class);
    m.put(Tier.T0, new Bucket(20, 2));
    m.put(Tier.T1, new Bucket(100, 20));
    m.put(Tier.T2, new Bucket(300, 50));
    m.put(Tier.T3, new Bucket(300, 50));
    return new RateLimits(m, new Bucket(5, 1.0 / 60));
  }

  /** The same bucket for every tier and for hatch sources (handy for tests and benchmarks). */
  public static RateLimits uniform(Bucket bucket) {
    Map<Tier, Bucket> m = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      m.put(t, bucket);
    }
    return new RateLimits(m, bucket);
  }
}
