package io.spaceduck.api;

import io.spaceduck.api.spi.CheckpointKeeper;
import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.api.spi.StorageHandle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Configures and opens an engine. Each setting may be given once, and is checked when it is set: a
 * null value is refused with a {@link NullPointerException}, a value out of its range with an {@link
 * IllegalArgumentException}, each naming the setting (e.g. {@code "hatchCodeTtl must be between 1
 * minute and 1 day, was PT0S"}); a refused value leaves the setting unset. {@link #build()} checks
 * only that the required settings were given. Not thread-safe; build on one thread.
 *
 * <p>Required: a {@link #kek(KekSource)}, a {@link #humanCheck(HumanCheck)} and a {@link
 * #verificationDelivery(VerificationDelivery)}. Everything else has the spec's default; without
 * {@link #storage(StorageHandle)} or {@link #storageUri(String)} the engine opens {@link
 * #DEFAULT_STORE}, the embedded MapDB file store.
 */
public final class SpaceDuckBuilder {
  /**
   * The store a host gets when it names none: an embedded MapDB file {@code spaceduck.db} in the
   * working directory.
   */
  public static final String DEFAULT_STORE = "mapdb:spaceduck.db";

  private @Nullable StorageHandle storage;
  private @Nullable String storageUri;
  private @Nullable Boolean closeStorage;
  private @Nullable KekSource kek;
  private @Nullable HumanCheck humanCheck;
  private @Nullable VerificationDelivery delivery;
  private @Nullable Clock clock;
  private @Nullable SecureRandom random;
  private @Nullable Policy policy;
  private @Nullable Set<Feature> features;
  private @Nullable RateLimits rateLimits;
  private @Nullable Duration keyRotationGrace;
  private @Nullable Duration hatchCodeTtl;
  private @Nullable Integer hatchMaxAttempts;
  private @Nullable PeckNotifier peckNotifier;
  private @Nullable Duration peckRequestTtl;
  private @Nullable Duration pulseTtl;
  private @Nullable Duration staleThreshold;
  private @Nullable CheckpointKeeper checkpointKeeper;
  private @Nullable String checkpointOrigin;

  SpaceDuckBuilder() {}

  private static void once(@Nullable Object current, String name) {
    if (current != null) {
      throw new IllegalStateException(name + " was already set");
    }
  }

  /** An open store; the engine closes it on close unless {@link #closeStorage(boolean)} says no. */
  public SpaceDuckBuilder storage(StorageHandle storage) {
    once(this.storage, "storage");
    once(this.storageUri, "storage");
    this.storage = Objects.requireNonNull(storage, "storage");
    return this;
  }

  /**
   * A store opened through the storage providers on the class path, e.g. {@code "memory:"}.
   *
   * @throws IllegalArgumentException if {@code uri} does not start with a scheme ({@code name:})
   */
  public SpaceDuckBuilder storageUri(String uri) {
    once(this.storage, "storage");
    once(this.storageUri, "storage");
    this.storageUri = Settings.storageUri(uri);
    return this;
  }

  /** Whether closing the engine closes the store (default true). */
  public SpaceDuckBuilder closeStorage(boolean close) {
    once(this.closeStorage, "closeStorage");
    this.closeStorage = close;
    return this;
  }

  /** The key-encryption key under which the engine's keysets are persisted. */
  public SpaceDuckBuilder kek(KekSource kek) {
    once(this.kek, "kek");
    this.kek = Objects.requireNonNull(kek, "kek");
    return this;
  }

  /** The bot challenge verifier (H1). */
  public SpaceDuckBuilder humanCheck(HumanCheck check) {
    once(this.humanCheck, "humanCheck");
    this.humanCheck = Objects.requireNonNull(check, "humanCheck");
    return this;
  }

  /** Where verification codes go (H2). */
  public SpaceDuckBuilder verificationDelivery(VerificationDelivery delivery) {
    once(this.delivery, "verificationDelivery");
    this.delivery = Objects.requireNonNull(delivery, "verificationDelivery");
    return this;
  }

  /** The clock (default: the UTC system clock). Tests inject a controllable one. */
  public SpaceDuckBuilder clock(Clock clock) {
    once(this.clock, "clock");
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** The source of randomness for ids, keys and codes (default: a new {@link SecureRandom}). */
  public SpaceDuckBuilder random(SecureRandom random) {
    once(this.random, "random");
    this.random = Objects.requireNonNull(random, "random");
    return this;
  }

  /** The permission table (default {@link Policy#defaults()}). */
  public SpaceDuckBuilder policy(Policy policy) {
    once(this.policy, "policy");
    this.policy = Objects.requireNonNull(policy, "policy");
    return this;
  }

  /** Switches on feature flags (all are off by default). */
  public SpaceDuckBuilder enable(Feature first, Feature... rest) {
    once(this.features, "features");
    Objects.requireNonNull(first, "features");
    for (Feature f : Objects.requireNonNull(rest, "features")) {
      Objects.requireNonNull(f, "features");
    }
    this.features = EnumSet.of(first, rest);
    return this;
  }

  /** Rate limits (default {@link RateLimits#defaults()}). */
  public SpaceDuckBuilder rateLimits(RateLimits limits) {
    once(this.rateLimits, "rateLimits");
    this.rateLimits = Objects.requireNonNull(limits, "rateLimits");
    return this;
  }

  /**
   * How long a rotated-away key keeps working (K3; default 15 min).
   *
   * @throws IllegalArgumentException unless between 0 and 30 days
   */
  public SpaceDuckBuilder keyRotationGrace(Duration grace) {
    once(this.keyRotationGrace, "keyRotationGrace");
    this.keyRotationGrace = Settings.keyRotationGrace(grace);
    return this;
  }

  /**
   * How long a hatch verification code lives (H2; default 15 min).
   *
   * @throws IllegalArgumentException unless between 1 minute and 1 day
   */
  public SpaceDuckBuilder hatchCodeTtl(Duration ttl) {
    once(this.hatchCodeTtl, "hatchCodeTtl");
    this.hatchCodeTtl = Settings.hatchCodeTtl(ttl);
    return this;
  }

  /**
   * Wrong codes allowed before a pending hatch dies (H2; default 5).
   *
   * @throws IllegalArgumentException unless between 1 and 20
   */
  public SpaceDuckBuilder hatchMaxAttempts(int attempts) {
    once(this.hatchMaxAttempts, "hatchMaxAttempts");
    this.hatchMaxAttempts = Settings.hatchMaxAttempts(attempts);
    return this;
  }

  /** Told of every peck transition after commit (P3; default: nobody). */
  public SpaceDuckBuilder peckNotifier(PeckNotifier notifier) {
    once(this.peckNotifier, "peckNotifier");
    this.peckNotifier = Objects.requireNonNull(notifier, "peckNotifier");
    return this;
  }

  /**
   * How long a peck request waits for acceptance and approval (P7; default 24 h).
   *
   * @throws IllegalArgumentException unless between 1 minute and 30 days
   */
  public SpaceDuckBuilder peckRequestTtl(Duration ttl) {
    once(this.peckRequestTtl, "peckRequestTtl");
    this.peckRequestTtl = Settings.peckRequestTtl(ttl);
    return this;
  }

  /**
   * How long pulse history is kept (U1; default 90 days).
   *
   * @throws IllegalArgumentException unless between 1 hour and 3650 days
   */
  public SpaceDuckBuilder pulseTtl(Duration ttl) {
    once(this.pulseTtl, "pulseTtl");
    this.pulseTtl = Settings.pulseTtl(ttl);
    return this;
  }

  /**
   * After how long without a pulse an agent is stale (U2; default 5 min).
   *
   * @throws IllegalArgumentException unless between 1 second and 30 days
   */
  public SpaceDuckBuilder staleThreshold(Duration threshold) {
    once(this.staleThreshold, "staleThreshold");
    this.staleThreshold = Settings.staleThreshold(threshold);
    return this;
  }

  /**
   * Where the engine keeps the newest audit checkpoint it signed, outside the store (default: a file
   * {@code <store file>.checkpoint} beside a MapDB store opened by URI; none for other stores).
   */
  public SpaceDuckBuilder checkpointKeeper(CheckpointKeeper keeper) {
    once(this.checkpointKeeper, "checkpointKeeper");
    this.checkpointKeeper = Objects.requireNonNull(keeper, "keeper");
    return this;
  }

  /**
   * The origin line of audit checkpoints, also the checkpoint key's name (default {@code
   * spaceduck/audit/<id>}, an id made once per store). A schema-less URL is recommended.
   *
   * @throws IllegalArgumentException if empty or holding a space, {@code '+'} or a control character
   */
  public SpaceDuckBuilder checkpointOrigin(String origin) {
    once(this.checkpointOrigin, "checkpointOrigin");
    this.checkpointOrigin = Settings.checkpointOrigin(origin);
    return this;
  }

  /**
   * The configuration (for engine factories and tests): the settings given, the defaults for the rest.
   *
   * @throws IllegalStateException if a required setting is missing
   */
  public EngineConfig config() {
    String uri = storageUri;
    if (storage == null && uri == null) {
      uri = DEFAULT_STORE; // the embedded MapDB default (storage-mapdb, which engine-core brings)
    }
    if (kek == null) {
      throw new IllegalStateException("no key-encryption key: call kek(...)");
    }
    if (humanCheck == null) {
      throw new IllegalStateException("no HumanCheck: call humanCheck(...)");
    }
    if (delivery == null) {
      throw new IllegalStateException("no VerificationDelivery: call verificationDelivery(...)");
    }
    return new EngineConfig(
        Optional.ofNullable(storage),
        Optional.ofNullable(uri),
        closeStorage == null || closeStorage,
        kek,
        humanCheck,
        delivery,
        clock != null ? clock : Clock.systemUTC(),
        random != null ? random : new SecureRandom(),
        policy != null ? policy : Policy.defaults(),
        features != null ? features : EnumSet.noneOf(Feature.class),
        rateLimits != null ? rateLimits : RateLimits.defaults(),
        keyRotationGrace != null ? keyRotationGrace : Duration.ofMinutes(15),
        hatchCodeTtl != null ? hatchCodeTtl : Duration.ofMinutes(15),
        hatchMaxAttempts != null ? hatchMaxAttempts : 5,
        peckNotifier != null ? peckNotifier : PeckNotifier.NONE,
        peckRequestTtl != null ? peckRequestTtl : Duration.ofHours(24),
        pulseTtl != null ? pulseTtl : Duration.ofDays(90),
        staleThreshold != null ? staleThreshold : Duration.ofMinutes(5),
        Optional.ofNullable(checkpointKeeper),
        Optional.ofNullable(checkpointOrigin));
  }

  /**
   * Validates the settings and opens the engine (creating its keysets on first open of a store).
   *
   * @throws IllegalStateException if a required setting is missing or no engine implementation is on
   *     the class path
   * @throws IllegalArgumentException if the engine cannot use the store given to {@link
   *     #storage(StorageHandle)} (it is not a store of the engine's storage SPI)
   * @throws Unavailable if the store cannot be opened or read
   */
  public SpaceDuck build() {
    EngineConfig config = config();
    Iterator<EngineFactory> it =
        ServiceLoader.load(EngineFactory.class, SpaceDuckBuilder.class.getClassLoader()).iterator();
    if (!it.hasNext()) {
      throw new IllegalStateException("no engine implementation: add io.spaceduck:engine-core");
    }
    return it.next().create(config);
  }
}
