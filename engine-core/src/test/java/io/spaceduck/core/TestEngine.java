package io.spaceduck.core;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.Feature;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.conformance.MutableClock;
import io.spaceduck.core.internal.TinkSetup;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An engine on an in-memory store with test doubles: a human check that passes unless the token is
 * {@code "bot"}, a delivery that records codes, a controllable clock and a generous rate limit.
 */
public final class TestEngine implements AutoCloseable {
  public static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
  private static final AtomicInteger EMAILS = new AtomicInteger();

  public final MutableClock clock = new MutableClock(EPOCH);
  public final Map<HatchId, String> codes = new ConcurrentHashMap<>();
  public final Storage storage;
  public final KekSource kek;
  public final SpaceDuck engine;

  public TestEngine() {
    this(b -> {});
  }

  public TestEngine(Consumer<SpaceDuckBuilder> customise) {
    this(new InMemoryStorage(), newKek(), customise);
  }

  public TestEngine(Storage storage, KekSource kek, Consumer<SpaceDuckBuilder> customise) {
    this.storage = storage;
    this.kek = kek;
    SpaceDuckBuilder b =
        SpaceDuck.builder()
            .storage(storage)
            .closeStorage(false)
            .kek(kek)
            .clock(clock)
            .random(new SecureRandom())
            .humanCheck((token, source) -> !token.equals("bot"))
            .verificationDelivery((email, hatch, code, expires) -> codes.put(hatch, code.reveal()));
    customise.accept(b);
    if (!customiseSetsRateLimits(customise)) {
      b.rateLimits(RateLimits.uniform(new RateLimits.Bucket(1_000_000, 1_000_000)));
    }
    this.engine = b.build();
  }

  private static boolean customiseSetsRateLimits(Consumer<SpaceDuckBuilder> customise) {
    SpaceDuckBuilder probe = SpaceDuck.builder();
    customise.accept(probe);
    try {
      probe.rateLimits(RateLimits.defaults());
      return false;
    } catch (IllegalStateException alreadySet) {
      return true;
    }
  }

  public static Consumer<SpaceDuckBuilder> t3() {
    return b -> b.enable(Feature.T3_AUTOMATION);
  }

  public static KekSource newKek() {
    TinkSetup.config();
    try {
      Aead aead = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM).getPrimitive(TinkSetup.config(), Aead.class);
      return KekSource.of(aead::encrypt, aead::decrypt);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String uniqueEmail() {
    return "duck" + EMAILS.incrementAndGet() + "@example.org";
  }

  public HatchTicket startHatch(String name, String email) {
    return engine.hatching().start(new HatchRequest(name, Email.of(email), "ok", "test-source"));
  }

  /** Hatches a new T1 duckling. */
  public HatchResult hatch(String name) {
    HatchTicket t = startHatch(name, uniqueEmail());
    return engine.hatching().complete(t.id(), VerificationCode.of(codes.get(t.id())));
  }

  /** Hatches a new T1 duckling with the given email (e.g. to hatch an address again after D1). */
  public HatchResult hatch(String name, String email) {
    HatchTicket t = startHatch(name, email);
    return engine.hatching().complete(t.id(), VerificationCode.of(codes.get(t.id())));
  }

  /** Bootstraps the admin on this (empty) store. */
  public HatchResult bootstrap() {
    return engine.admin().bootstrap("Admin Duck", Email.of(uniqueEmail()));
  }

  /** A T2 operator: hatched, then promoted by {@code admin}. Returns the operator's key. */
  public BeakKey operator(BeakKey admin, String name) {
    HatchResult h = hatch(name);
    engine.identities().promote(admin, h.duckling().id(), Tier.T2);
    return h.key().key();
  }

  public BondResult bond(BeakKey operator, String name, Tier tier) {
    return engine.bonds().bond(operator, name, tier);
  }

  @Override
  public void close() {
    engine.close();
    storage.close();
  }
}
