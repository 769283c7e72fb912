package io.spaceduck.storage.jdbc;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.core.DevelopmentKek;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One engine instance on a JDBC store, as a host process would embed it: its own pool, the shared
 * KEK. Several instances on one namespace share {@link #codes} (the "mailbox") so one can complete a
 * hatch another started.
 */
final class EngineInstance implements AutoCloseable {
  static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private static final AtomicInteger EMAILS = new AtomicInteger();

  final JdbcStorage storage;
  final SpaceDuck engine;
  final Map<HatchId, String> codes;

  EngineInstance(String url, Path kekFile, Map<HatchId, String> codes) {
    this(url, kekFile, codes, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  EngineInstance(String url, Path kekFile, Map<HatchId, String> codes, Clock clock) {
    this((JdbcStorage) new JdbcStorageProvider().open(url, Map.of()), kekFile, codes, clock);
  }

  /** An engine on a store the test opened (e.g. over a counting {@code DataSource}); closing closes it. */
  EngineInstance(JdbcStorage storage, Path kekFile, Map<HatchId, String> codes, Clock clock) {
    this.codes = codes;
    this.storage = storage;
    KekSource kek = DevelopmentKek.fromFile(kekFile);
    this.engine =
        SpaceDuck.builder()
            .storage(storage)
            .kek(kek)
            .clock(clock)
            .humanCheck((token, source) -> true)
            .verificationDelivery((email, hatch, code, expires) -> codes.put(hatch, code.reveal()))
            .rateLimits(RateLimits.uniform(new RateLimits.Bucket(10_000_000, 10_000_000)))
            .build();
  }

  static Map<HatchId, String> mailbox() {
    return new ConcurrentHashMap<>();
  }

  static Email uniqueEmail() {
    return Email.of("duck" + EMAILS.incrementAndGet() + "-" + System.nanoTime() + "@example.org");
  }

  HatchResult bootstrap() {
    return engine.admin().bootstrap("Admin Duck", uniqueEmail());
  }

  HatchResult hatch(String name) {
    HatchTicket t = engine.hatching().start(new HatchRequest(name, uniqueEmail(), "ok", "test"));
    return engine.hatching().complete(t.id(), VerificationCode.of(codes.get(t.id())));
  }

  /** A T2 operator promoted by {@code admin}; returns its key. */
  BeakKey operator(BeakKey admin, String name) {
    HatchResult h = hatch(name);
    engine.identities().promote(admin, h.duckling().id(), Tier.T2);
    return h.key().key();
  }

  @Override
  public void close() {
    engine.close(); // closes the store it was given
  }
}
