package io.spaceduck.core.internal;

import io.spaceduck.api.EngineConfig;
import io.spaceduck.api.Policy;
import io.spaceduck.api.spi.CheckpointKeeper;
import io.spaceduck.storage.Storage;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Clock;
import java.time.Instant;

/**
 * The wiring every sub-API shares: the store, keysets, clock, policy and rate limiter, and the
 * collaborators built over them once per engine —
 *
 * <ul>
 *   <li>{@link Authenticator}: the hot path every call takes (K1, K6, I3, R1);
 *   <li>{@link Governance}: the frame of a governance action (policy, one unit, one audit event, I4,
 *       A1) and of an authenticated read;
 *   <li>{@link Issuer}: certificates, keys and session tokens (C1–C3, K1, P5, I7);
 *   <li>{@link SecretsAtRest}: the MACs and encryption that stand in for secrets (I8, H4);
 *   <li>{@link FailClosed}: store calls that fail closed.
 * </ul>
 *
 * The peck cascade of a revocation is {@link RevocationCascade}. Thread-safe.
 */
final class Core {
  final EngineConfig config;
  final Storage storage;
  final EngineKeysets keysets;
  final Randoms randoms;
  final RateLimiter rateLimiter;
  final Clock clock;
  final Policy policy;
  final String version;
  final PeckDispatcher dispatcher;
  final FailClosed failClosed;
  final Authenticator authenticator;
  final Governance governance;
  final SecretsAtRest secrets;
  final Issuer issuer;
  final Transparency transparency;

  Core(EngineConfig config, Storage storage, EngineKeysets keysets) {
    this.config = config;
    this.storage = storage;
    this.keysets = keysets;
    this.randoms = new Randoms(config.random());
    this.clock = config.clock();
    this.rateLimiter = new RateLimiter(clock);
    this.policy = config.policy();
    this.version = EngineVersion.get();
    this.dispatcher = new PeckDispatcher(config.peckNotifier());
    this.failClosed = new FailClosed(storage);
    this.authenticator = new Authenticator(failClosed, keysets, clock, rateLimiter, config.rateLimits());
    this.governance = new Governance(authenticator, storage, failClosed, policy, clock, version, dispatcher);
    this.secrets = new SecretsAtRest(keysets);
    this.issuer = new Issuer(config, keysets, randoms, secrets, version);
    this.transparency = new Transparency(storage, keysets, keeperOf(config), config.checkpointOrigin(), randoms);
  }

  /**
   * The host's checkpoint keeper; by default a file {@code <store file>.checkpoint} beside a MapDB store
   * opened by URI (the same path rules as the MapDB provider), none for any other store.
   */
  static Optional<CheckpointKeeper> keeperOf(EngineConfig config) {
    if (config.checkpointKeeper().isPresent()) {
      return config.checkpointKeeper();
    }
    Optional<String> uri = config.storageUri();
    if (uri.isEmpty() || !uri.get().startsWith("mapdb:") || uri.get().length() == "mapdb:".length()) {
      return Optional.empty();
    }
    String rest = uri.get().substring("mapdb:".length());
    try {
      Path file = rest.startsWith("//") ? Path.of(URI.create("file:" + rest)) : Path.of(rest);
      return Optional.of(CheckpointKeeper.file(file.resolveSibling(file.getFileName() + ".checkpoint")));
    } catch (IllegalArgumentException | NullPointerException e) {
      return Optional.empty(); // the provider refuses such a URI anyway
    }
  }

  Instant now() {
    return clock.instant();
  }
}
