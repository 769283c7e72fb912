package io.spaceduck.api;

import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.api.spi.StorageHandle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything an engine is built from, validated by {@link SpaceDuckBuilder#build()}. Immutable.
 *
 * @param storage an open store handed over by the host, or empty when {@code storageUri} names one
 * @param storageUri a store to open through the storage providers (e.g. {@code "memory:"})
 * @param closeStorage whether closing the engine closes the store
 */
public record EngineConfig(
    Optional<StorageHandle> storage,
    Optional<String> storageUri,
    boolean closeStorage,
    KekSource kek,
    HumanCheck humanCheck,
    VerificationDelivery verificationDelivery,
    Clock clock,
    SecureRandom random,
    Policy policy,
    Set<Feature> features,
    RateLimits rateLimits,
    Duration keyRotationGrace,
    Duration hatchCodeTtl,
    int hatchMaxAttempts,
    PeckNotifier peckNotifier,
    Duration peckRequestTtl,
    Duration pulseTtl,
    Duration staleThreshold) {
  public EngineConfig {
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(storageUri, "storageUri");
    if (storage.isPresent() == storageUri.isPresent()) {
      throw new IllegalArgumentException("exactly one of storage and storageUri");
    }
    Objects.requireNonNull(kek, "kek");
    Objects.requireNonNull(humanCheck, "humanCheck");
    Objects.requireNonNull(verificationDelivery, "verificationDelivery");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(policy, "policy");
    features = Set.copyOf(features);
    Objects.requireNonNull(rateLimits, "rateLimits");
    Objects.requireNonNull(keyRotationGrace, "keyRotationGrace");
    Objects.requireNonNull(hatchCodeTtl, "hatchCodeTtl");
    if (keyRotationGrace.isNegative() || keyRotationGrace.compareTo(Duration.ofDays(30)) > 0) {
      throw new IllegalArgumentException("key rotation grace in 0..30 days");
    }
    if (hatchCodeTtl.compareTo(Duration.ofMinutes(1)) < 0 || hatchCodeTtl.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("hatch code ttl in 1 min..1 day");
    }
    if (hatchMaxAttempts < 1 || hatchMaxAttempts > 20) {
      throw new IllegalArgumentException("hatch attempts in 1..20");
    }
    Objects.requireNonNull(peckNotifier, "peckNotifier");
    Objects.requireNonNull(peckRequestTtl, "peckRequestTtl");
    Objects.requireNonNull(pulseTtl, "pulseTtl");
    Objects.requireNonNull(staleThreshold, "staleThreshold");
    if (peckRequestTtl.compareTo(Duration.ofMinutes(1)) < 0 || peckRequestTtl.compareTo(Duration.ofDays(30)) > 0) {
      throw new IllegalArgumentException("peck request ttl in 1 min..30 days");
    }
    if (pulseTtl.compareTo(Duration.ofHours(1)) < 0 || pulseTtl.compareTo(Duration.ofDays(3650)) > 0) {
      throw new IllegalArgumentException("pulse ttl in 1 hour..10 years");
    }
    if (staleThreshold.compareTo(Duration.ofSeconds(1)) < 0 || staleThreshold.compareTo(Duration.ofDays(30)) > 0) {
      throw new IllegalArgumentException("stale threshold in 1 s..30 days");
    }
  }

  /**
   * The settings, with the store named only by its kind: a storage URI may carry credentials (a JDBC
   * URL with {@code password=}), and this text reaches logs (D2).
   */
  @Override
  public String toString() {
    String store =
        storage.map(s -> "storage=" + s.describe())
            .orElseGet(() -> "storageUri=" + storageUri.map(u -> u.substring(0, Math.max(0, u.indexOf(':') + 1)) + "…").orElse(""));
    return "EngineConfig[" + store + ", closeStorage=" + closeStorage + ", features=" + features + ", keyRotationGrace="
        + keyRotationGrace + ", hatchCodeTtl=" + hatchCodeTtl + ", hatchMaxAttempts=" + hatchMaxAttempts
        + ", peckRequestTtl=" + peckRequestTtl + ", pulseTtl=" + pulseTtl + ", staleThreshold=" + staleThreshold + "]";
  }

  public boolean enabled(Feature f) {
    return features.contains(f);
  }
}
