package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rate limits are values checked when they are made (issue 16): each refusal names the component
 * that is out of range or null.
 */
@Tag("R1")
class RateLimitsTest {
  private static final RateLimits.Bucket B = new RateLimits.Bucket(10, 1);

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void aCapacityBelowOne_isRefused(long capacity) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RateLimits.Bucket(capacity, 1));
    assertEquals("capacity must be between 1 and 9007199254740992, was " + capacity, e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(longs = {(1L << 53) + 1, 1L << 54, Long.MAX_VALUE})
  void aCapacityAbove2To53_isRefused(long capacity) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RateLimits.Bucket(capacity, 1));
    assertEquals("capacity must be between 1 and 9007199254740992, was " + capacity, e.getMessage());
  }

  /** The reason for the bound: the limiter keeps a bucket's balance in a {@code double}. */
  @Test
  void above2To53_aDoubleBalanceCannotCountWholeTokens() {
    double top = 1L << 53;
    assertEquals(top - 1, Math.nextDown(top)); // up to 2^53 one token is one step
    assertEquals((double) (1L << 53), (double) ((1L << 53) + 1)); // beyond, whole numbers are lost
    double huge = Long.MAX_VALUE;
    assertEquals(huge, huge - 1); // and a full bucket never runs dry
  }

  @Test
  void theCapacityBounds_areAccepted() {
    assertEquals(1, new RateLimits.Bucket(1, 1).capacity());
    assertEquals(1L << 53, new RateLimits.Bucket(1L << 53, 1).capacity());
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, -0.0, -1, Double.NEGATIVE_INFINITY, Double.NaN})
  void aRefillNotAbove0_isRefused(double refill) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RateLimits.Bucket(1, refill));
    assertEquals("refillPerSecond must be finite and greater than 0, was " + refill, e.getMessage());
  }

  @Test
  void anInfiniteRefill_isRefused_andTheFiniteExtremesAccepted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RateLimits.Bucket(1, Double.POSITIVE_INFINITY));
    assertEquals("refillPerSecond must be finite and greater than 0, was Infinity", e.getMessage());
    assertEquals(Double.MIN_VALUE, new RateLimits.Bucket(1, Double.MIN_VALUE).refillPerSecond());
    assertEquals(Double.MAX_VALUE, new RateLimits.Bucket(1, Double.MAX_VALUE).refillPerSecond());
  }

  private static Map<Tier, RateLimits.Bucket> everyTier() {
    Map<Tier, RateLimits.Bucket> m = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      m.put(t, B);
    }
    return m;
  }

  @ParameterizedTest
  @EnumSource(Tier.class)
  void aMissingTier_isRefused_namingPerTier(Tier missing) {
    Map<Tier, RateLimits.Bucket> m = everyTier();
    m.remove(missing);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RateLimits(m, B));
    assertEquals("perTier must have a bucket for every tier, was missing " + missing, e.getMessage());
  }

  @Test
  void nulls_areRefused_namingTheComponent() {
    assertEquals("perTier", assertThrows(NullPointerException.class, () -> new RateLimits(null, B)).getMessage());
    assertEquals("hatchPerSource", assertThrows(NullPointerException.class, () -> new RateLimits(everyTier(), null)).getMessage());
    assertEquals("authFailuresPerKeyId", assertThrows(NullPointerException.class, () -> new RateLimits(everyTier(), B, null, B)).getMessage());
    assertEquals("authFailuresPerSource", assertThrows(NullPointerException.class, () -> new RateLimits(everyTier(), B, B, null)).getMessage());
    assertEquals("authFailuresPerKeyId", assertThrows(NullPointerException.class, () -> RateLimits.defaults().withAuthFailures(null, B)).getMessage());
    assertEquals("authFailuresPerSource", assertThrows(NullPointerException.class, () -> RateLimits.defaults().withAuthFailures(B, null)).getMessage());
    Map<Tier, RateLimits.Bucket> nullBucket = everyTier();
    nullBucket.put(Tier.T2, null);
    assertEquals("perTier", assertThrows(NullPointerException.class, () -> new RateLimits(nullBucket, B)).getMessage());
    Map<Tier, RateLimits.Bucket> nullTier = new HashMap<>(everyTier());
    nullTier.put(null, B);
    assertEquals("perTier", assertThrows(NullPointerException.class, () -> new RateLimits(nullTier, B)).getMessage());
  }
}
