package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.api.spi.StorageHandle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every setting of the builder is checked when it is set (issue 16): below its range, above it, and
 * null are each refused at the setter with a message that names the setting, and a refused value
 * leaves the setting unset. The expected ranges are written out here, not read from the code under
 * test.
 */
class SpaceDuckBuilderTest {
  private static final KekSource KEK = KekSource.of((plaintext, ad) -> plaintext, (ciphertext, ad) -> ciphertext);
  private static final HumanCheck HUMAN = (token, source) -> true;
  private static final VerificationDelivery DELIVERY = (email, hatch, code, expiresAt) -> {};

  /** A builder with the three required settings, so that {@link SpaceDuckBuilder#config()} succeeds. */
  private static SpaceDuckBuilder ready() {
    return SpaceDuck.builder().kek(KEK).humanCheck(HUMAN).verificationDelivery(DELIVERY);
  }

  /** A duration setting: its name, its setter, its getter on the config, its bounds as a reader sees them. */
  record DurationSetting(
      String name, BiConsumer<SpaceDuckBuilder, Duration> set, Function<EngineConfig, Duration> get, Duration min, Duration max, String range) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<DurationSetting> durationSettings() {
    return Stream.of(
        new DurationSetting("keyRotationGrace", SpaceDuckBuilder::keyRotationGrace, EngineConfig::keyRotationGrace, Duration.ZERO, Duration.ofDays(30), "0 and 30 days"),
        new DurationSetting("hatchCodeTtl", SpaceDuckBuilder::hatchCodeTtl, EngineConfig::hatchCodeTtl, Duration.ofMinutes(1), Duration.ofDays(1), "1 minute and 1 day"),
        new DurationSetting("peckRequestTtl", SpaceDuckBuilder::peckRequestTtl, EngineConfig::peckRequestTtl, Duration.ofMinutes(1), Duration.ofDays(30), "1 minute and 30 days"),
        new DurationSetting("pulseTtl", SpaceDuckBuilder::pulseTtl, EngineConfig::pulseTtl, Duration.ofHours(1), Duration.ofDays(3650), "1 hour and 3650 days"),
        new DurationSetting("staleThreshold", SpaceDuckBuilder::staleThreshold, EngineConfig::staleThreshold, Duration.ofSeconds(1), Duration.ofDays(30), "1 second and 30 days"));
  }

  @ParameterizedTest
  @MethodSource("durationSettings")
  void durationBelowItsRange_isRefusedWhenSet_namingTheSetting(DurationSetting s) {
    SpaceDuckBuilder b = SpaceDuck.builder(); // nothing else set: the setter alone refuses
    for (Duration below : List.of(s.min().minusNanos(1), s.min().minusDays(1), Duration.ofSeconds(-1), Duration.ofSeconds(Long.MIN_VALUE))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.set().accept(b, below), below::toString);
      assertEquals(s.name() + " must be between " + s.range() + ", was " + below, e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("durationSettings")
  void durationAboveItsRange_isRefusedWhenSet_namingTheSetting(DurationSetting s) {
    SpaceDuckBuilder b = SpaceDuck.builder();
    for (Duration above : List.of(s.max().plusNanos(1), s.max().plusDays(1), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.set().accept(b, above), above::toString);
      assertEquals(s.name() + " must be between " + s.range() + ", was " + above, e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("durationSettings")
  void nullDuration_isRefusedWhenSet_namingTheSetting(DurationSetting s) {
    NullPointerException e = assertThrows(NullPointerException.class, () -> s.set().accept(SpaceDuck.builder(), null));
    assertEquals(s.name(), e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("durationSettings")
  void durationBounds_areAccepted_andReachTheConfig(DurationSetting s) {
    for (Duration bound : List.of(s.min(), s.max())) {
      SpaceDuckBuilder b = ready();
      s.set().accept(b, bound);
      assertEquals(bound, s.get().apply(b.config()));
    }
  }

  @ParameterizedTest
  @MethodSource("durationSettings")
  void aRefusedDuration_leavesTheSettingUnset(DurationSetting s) {
    SpaceDuckBuilder b = ready();
    assertThrows(IllegalArgumentException.class, () -> s.set().accept(b, s.max().plusSeconds(1)));
    s.set().accept(b, s.max()); // not "already set"
    assertEquals(s.max(), s.get().apply(b.config()));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void hatchMaxAttemptsBelowItsRange_isRefusedWhenSet(int attempts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpaceDuck.builder().hatchMaxAttempts(attempts));
    assertEquals("hatchMaxAttempts must be between 1 and 20, was " + attempts, e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {21, 1000, Integer.MAX_VALUE})
  void hatchMaxAttemptsAboveItsRange_isRefusedWhenSet(int attempts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpaceDuck.builder().hatchMaxAttempts(attempts));
    assertEquals("hatchMaxAttempts must be between 1 and 20, was " + attempts, e.getMessage());
  }

  @Test
  void hatchMaxAttemptsBounds_areAccepted_andARefusedValueLeavesItUnset() {
    assertEquals(1, ready().hatchMaxAttempts(1).config().hatchMaxAttempts());
    SpaceDuckBuilder b = ready();
    assertThrows(IllegalArgumentException.class, () -> b.hatchMaxAttempts(21));
    assertEquals(20, b.hatchMaxAttempts(20).config().hatchMaxAttempts());
  }

  /** A setting that takes an object: its name and how to set it to null. */
  record ObjectSetting(String name, Consumer<SpaceDuckBuilder> setNull) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<ObjectSetting> objectSettings() {
    return Stream.of(
        new ObjectSetting("storage", b -> b.storage(null)),
        new ObjectSetting("storageUri", b -> b.storageUri(null)),
        new ObjectSetting("kek", b -> b.kek(null)),
        new ObjectSetting("humanCheck", b -> b.humanCheck(null)),
        new ObjectSetting("verificationDelivery", b -> b.verificationDelivery(null)),
        new ObjectSetting("clock", b -> b.clock(null)),
        new ObjectSetting("random", b -> b.random(null)),
        new ObjectSetting("policy", b -> b.policy(null)),
        new ObjectSetting("rateLimits", b -> b.rateLimits(null)),
        new ObjectSetting("peckNotifier", b -> b.peckNotifier(null)),
        new ObjectSetting("features", b -> b.enable(null)),
        new ObjectSetting("features", b -> b.enable(Feature.T3_AUTOMATION, (Feature) null)),
        new ObjectSetting("features", b -> b.enable(Feature.T3_AUTOMATION, (Feature[]) null)));
  }

  @ParameterizedTest
  @MethodSource("objectSettings")
  void nullObject_isRefusedWhenSet_namingTheSetting(ObjectSetting s) {
    NullPointerException e = assertThrows(NullPointerException.class, () -> s.setNull().accept(SpaceDuck.builder()));
    assertEquals(s.name(), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "spaceduck.db", "/var/lib/duck.db", ":memory", "1mapdb:x", "//db.example/duck?password=hunter2"})
  void storageUriWithoutAScheme_isRefusedWhenSet_withoutEchoingIt(String uri) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpaceDuck.builder().storageUri(uri));
    assertEquals("storageUri must start with a scheme such as memory:, mapdb: or jdbc:", e.getMessage());
    SpaceDuckBuilder b = ready();
    assertThrows(IllegalArgumentException.class, () -> b.storageUri(uri));
    assertEquals(Optional.of("memory:"), b.storageUri("memory:").config().storageUri()); // the refusal set nothing
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory:", "mapdb:/var/lib/duck.db", "jdbc:postgresql://db/duck?user=u&password=p", "x+y.z-1:"})
  void storageUriWithAScheme_isAccepted(String uri) {
    assertEquals(Optional.of(uri), ready().storageUri(uri).config().storageUri());
  }

  @Test
  void enable_keepsTheFeaturesGiven() {
    assertEquals(Set.of(Feature.T3_AUTOMATION), ready().enable(Feature.T3_AUTOMATION).config().features());
    assertEquals(EnumSet.noneOf(Feature.class), ready().config().features());
  }

  @Test
  void objectSettings_reachTheConfig() {
    Clock clock = Clock.systemUTC();
    SecureRandom random = new SecureRandom();
    Policy policy = Policy.builder().adminOnly(Permission.BOND_AGENT).build();
    RateLimits limits = RateLimits.uniform(new RateLimits.Bucket(7, 3));
    PeckNotifier notifier = peck -> {};
    StorageHandle store = new StorageHandle() {
      @Override
      public String describe() {
        return "test";
      }

      @Override
      public void close() {}
    };
    EngineConfig c = ready().storage(store).closeStorage(false).clock(clock).random(random).policy(policy).rateLimits(limits).peckNotifier(notifier).config();
    assertSame(KEK, c.kek());
    assertSame(HUMAN, c.humanCheck());
    assertSame(DELIVERY, c.verificationDelivery());
    assertSame(store, c.storage().orElseThrow());
    assertEquals(Optional.empty(), c.storageUri());
    assertFalse(c.closeStorage());
    assertSame(clock, c.clock());
    assertSame(random, c.random());
    assertSame(policy, c.policy());
    assertSame(limits, c.rateLimits());
    assertSame(notifier, c.peckNotifier());
  }

  @Test
  void eachSetting_mayBeGivenOnce() {
    SpaceDuckBuilder b = ready().pulseTtl(Duration.ofDays(1));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.pulseTtl(Duration.ofDays(2)));
    assertEquals("pulseTtl was already set", e.getMessage());
    SpaceDuckBuilder c = ready().storageUri("memory:");
    assertThrows(IllegalStateException.class, () -> c.storageUri("memory:"));
  }

  @Test
  void config_checksOnlyThatTheRequiredSettingsArePresent() {
    assertTrue(assertThrows(IllegalStateException.class, () -> SpaceDuck.builder().humanCheck(HUMAN).verificationDelivery(DELIVERY).config()).getMessage().contains("kek("));
    assertTrue(assertThrows(IllegalStateException.class, () -> SpaceDuck.builder().kek(KEK).verificationDelivery(DELIVERY).config()).getMessage().contains("humanCheck("));
    assertTrue(assertThrows(IllegalStateException.class, () -> SpaceDuck.builder().kek(KEK).humanCheck(HUMAN).config()).getMessage().contains("verificationDelivery("));
    EngineConfig defaults = ready().config();
    assertEquals(Optional.of(SpaceDuckBuilder.DEFAULT_STORE), defaults.storageUri());
    assertEquals(Duration.ofMinutes(15), defaults.keyRotationGrace());
    assertEquals(Duration.ofMinutes(15), defaults.hatchCodeTtl());
    assertEquals(5, defaults.hatchMaxAttempts());
    assertEquals(Duration.ofHours(24), defaults.peckRequestTtl());
    assertEquals(Duration.ofDays(90), defaults.pulseTtl());
    assertEquals(Duration.ofMinutes(5), defaults.staleThreshold());
  }
}
