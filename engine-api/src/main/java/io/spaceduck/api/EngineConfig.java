package io.spaceduck.api;

import io.spaceduck.api.spi.CheckpointKeeper;
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
 * Everything an engine is built from: what {@link SpaceDuckBuilder#config()} gathers and an {@link
 * EngineFactory} opens. Immutable. Every component is checked on construction with the builder's
 * ranges and messages (e.g. {@code "pulseTtl must be between 1 hour and 3650 days, was PT0S"}), so a
 * config made by hand holds the same guarantees as one from the builder.
 *
 * @param storage an open store handed over by the host, or empty when {@code storageUri} names one
 * @param storageUri a store to open through the storage providers (e.g. {@code "memory:"})
 * @param closeStorage whether closing the engine closes the store
 * @param checkpointKeeper where the newest signed audit checkpoint is kept outside the store; empty:
 *     beside a MapDB store opened by URI ({@code <file>.checkpoint}), nowhere for any other store
 * @param checkpointOrigin the origin line of audit checkpoints; empty: {@code spaceduck/audit/<id>}
 *     with an id made once per store
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
    Duration staleThreshold,
    Optional<CheckpointKeeper> checkpointKeeper,
    Optional<String> checkpointOrigin) {
  public EngineConfig {
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(storageUri, "storageUri");
    if (storage.isPresent() == storageUri.isPresent()) {
      throw new IllegalArgumentException("exactly one of storage and storageUri");
    }
    storageUri.ifPresent(Settings::storageUri);
    Objects.requireNonNull(kek, "kek");
    Objects.requireNonNull(humanCheck, "humanCheck");
    Objects.requireNonNull(verificationDelivery, "verificationDelivery");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(policy, "policy");
    for (Feature f : Objects.requireNonNull(features, "features")) {
      Objects.requireNonNull(f, "features");
    }
    features = Set.copyOf(features);
    Objects.requireNonNull(rateLimits, "rateLimits");
    Settings.keyRotationGrace(keyRotationGrace);
    Settings.hatchCodeTtl(hatchCodeTtl);
    Settings.hatchMaxAttempts(hatchMaxAttempts);
    Objects.requireNonNull(peckNotifier, "peckNotifier");
    Settings.peckRequestTtl(peckRequestTtl);
    Settings.pulseTtl(pulseTtl);
    Settings.staleThreshold(staleThreshold);
    Objects.requireNonNull(checkpointKeeper, "checkpointKeeper");
    Objects.requireNonNull(checkpointOrigin, "checkpointOrigin").ifPresent(Settings::checkpointOrigin);
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
