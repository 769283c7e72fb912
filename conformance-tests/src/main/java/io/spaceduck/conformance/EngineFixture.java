package io.spaceduck.conformance;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Email;
import io.spaceduck.api.Feature;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.storage.Storage;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Two engine instances over one store of the backend under test, as the engine contract runs them: an
 * injected clock the chains move (never a sleep), a JDK AES-GCM KEK, a human check that fails only
 * for the token {@code "bot"}, a delivery that keeps the codes, rate limits too generous to matter,
 * and a pulse TTL of {@link #PULSE_TTL} so history expires within a chain. The second instance shares
 * the store and the KEK, so "on every instance" (I3) is checked too. The engine comes from whatever
 * {@code EngineFactory} is on the class path ({@code engine-core}).
 *
 * <p>It also keeps every raw secret the engine hands out — keys, codes, session tokens, emails —
 * to search the store's transcript for them (I8). Not thread-safe; one per chain.
 */
final class EngineFixture implements AutoCloseable {
  static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration PULSE_TTL = Duration.ofHours(1); // the shortest the engine allows
  static final Duration GRACE = Duration.ofMinutes(15);
  static final String SOURCE = "conformance";

  final MutableClock clock = new MutableClock(EPOCH);
  final Map<HatchId, String> codes = new ConcurrentHashMap<>();
  final RecordingStorage storage;
  final SpaceDuck engine;
  final SpaceDuck second;
  private final JdkKek kek = JdkKek.random();
  private final Map<String, String> secrets = new LinkedHashMap<>();
  private final Map<String, String> uncheckedSecrets = new LinkedHashMap<>();
  private int checkedUpTo;
  private int emails;

  /**
   * @param store a new, empty store of the backend; closed with the fixture
   * @param t3 whether the feature {@link Feature#T3_AUTOMATION} is on
   */
  EngineFixture(Storage store, boolean t3) {
    this.storage = new RecordingStorage(Objects.requireNonNull(store, "newStorage() returned null"));
    this.engine = build(t3);
    this.second = build(t3);
  }

  private SpaceDuck build(boolean t3) {
    SpaceDuckBuilder b =
        SpaceDuck.builder()
            .storage(storage)
            .closeStorage(false)
            .kek(kek)
            .clock(clock)
            .random(new SecureRandom())
            .humanCheck((token, source) -> !token.equals("bot"))
            .verificationDelivery((email, hatch, code, expires) -> codes.put(hatch, code.reveal()))
            .rateLimits(RateLimits.uniform(new RateLimits.Bucket(1_000_000, 1_000_000)))
            .keyRotationGrace(GRACE)
            .pulseTtl(PULSE_TTL);
    if (t3) {
      b.enable(Feature.T3_AUTOMATION);
    }
    return b.build();
  }

  /** A new address no duckling of this store has used. */
  String newEmail() {
    return "duck" + (++emails) + "@example.org";
  }

  /** Starts a hatch for {@code email}; the delivered code is remembered (and watched for, I8). */
  HatchTicket startHatch(String name, String email) {
    HatchTicket t = engine.hatching().start(new HatchRequest(name, Email.of(email), "ok", SOURCE));
    secret("email " + email, email);
    secret("code of " + t.id(), codes.get(t.id()));
    return t;
  }

  /** Hatches a T1 duckling with {@code email}. */
  HatchResult hatch(String name, String email) {
    HatchTicket t = startHatch(name, email);
    return complete(t);
  }

  /** Completes a started hatch with the delivered code. */
  HatchResult complete(HatchTicket t) {
    HatchResult r = engine.hatching().complete(t.id(), VerificationCode.of(codes.get(t.id())));
    key(r.key());
    return r;
  }

  /** Bootstraps the admin, with {@code email}, on the empty store. */
  HatchResult bootstrap(String email) {
    secret("email " + email, email);
    HatchResult r = engine.admin().bootstrap("Admin Duck", Email.of(email));
    key(r.key());
    return r;
  }

  /** Watches for an issued key's raw form (and its secret part) in the store (I8). */
  IssuedKey key(IssuedKey k) {
    String raw = k.key().reveal();
    secret("key " + k.info().id(), raw);
    secret("secret of key " + k.info().id(), raw.substring(raw.lastIndexOf('_') + 1));
    return k;
  }

  /** Watches for a session token in the store (I8). */
  SessionToken session(SessionToken token, String label) {
    secret("session token " + label, token.reveal());
    return token;
  }

  BeakKey keyOf(IssuedKey k) {
    return key(k).key();
  }

  private void secret(String label, String value) {
    if (value != null && secrets.putIfAbsent(label, value) == null) {
      uncheckedSecrets.put(label, value);
    }
  }

  /**
   * I8: no raw secret handed out so far appears in what the engine asked the store to persist. Each
   * secret is searched in the whole transcript once, and after that only in what was added since.
   *
   * @return the labels of the secrets found (empty when none)
   */
  List<String> persistedSecrets() {
    int end = storage.transcriptLength();
    Map<String, String> old = new LinkedHashMap<>(secrets);
    uncheckedSecrets.keySet().forEach(old::remove);
    List<String> found = new java.util.ArrayList<>(storage.leaks(uncheckedSecrets, 0));
    found.addAll(storage.leaks(old, checkedUpTo));
    uncheckedSecrets.clear();
    checkedUpTo = end;
    return found;
  }

  @Override
  public void close() {
    try {
      engine.close();
      second.close();
    } finally {
      storage.close();
    }
  }
}
