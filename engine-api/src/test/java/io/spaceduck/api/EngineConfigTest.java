package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.spi.CheckpointKeeper;
import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.api.spi.StorageHandle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link EngineConfig} is public, so a config made by hand (not through the builder) is held to the
 * builder's ranges, with the same messages naming the setting.
 */
class EngineConfigTest {
  /** The components of a valid config, in record order; a test changes one. */
  private static Object[] valid() {
    return new Object[] {
      Optional.<StorageHandle>empty(),
      Optional.of("memory:"),
      true,
      KekSource.of((p, ad) -> p, (c, ad) -> c),
      (HumanCheck) (token, source) -> true,
      (VerificationDelivery) (email, hatch, code, expiresAt) -> {},
      Clock.systemUTC(),
      new SecureRandom(),
      Policy.defaults(),
      Set.<Feature>of(),
      RateLimits.defaults(),
      Duration.ofMinutes(15),
      Duration.ofMinutes(15),
      5,
      PeckNotifier.NONE,
      Duration.ofHours(24),
      Duration.ofDays(90),
      Duration.ofMinutes(5),
      Optional.empty(),
      Optional.empty()
    };
  }

  private static final String[] NAMES = {
    "storage", "storageUri", "closeStorage", "kek", "humanCheck", "verificationDelivery", "clock", "random", "policy", "features",
    "rateLimits", "keyRotationGrace", "hatchCodeTtl", "hatchMaxAttempts", "peckNotifier", "peckRequestTtl", "pulseTtl", "staleThreshold",
    "checkpointKeeper", "checkpointOrigin"
  };

  @SuppressWarnings("unchecked")
  private static EngineConfig config(UnaryOperator<Object[]> change) {
    Object[] a = change.apply(valid());
    return new EngineConfig(
        (Optional<StorageHandle>) a[0], (Optional<String>) a[1], (Boolean) a[2], (KekSource) a[3], (HumanCheck) a[4],
        (VerificationDelivery) a[5], (Clock) a[6], (SecureRandom) a[7], (Policy) a[8], (Set<Feature>) a[9], (RateLimits) a[10],
        (Duration) a[11], (Duration) a[12], (Integer) a[13], (PeckNotifier) a[14], (Duration) a[15], (Duration) a[16], (Duration) a[17],
        (Optional<CheckpointKeeper>) a[18], (Optional<String>) a[19]);
  }

  private static UnaryOperator<Object[]> with(String name, Object value) {
    int i = Arrays.asList(NAMES).indexOf(name);
    return a -> {
      a[i] = value;
      return a;
    };
  }

  @Test
  void theNamesHereFollowTheRecord() {
    assertEquals(
        Arrays.asList(NAMES), Arrays.stream(EngineConfig.class.getRecordComponents()).map(c -> c.getName()).toList());
    assertEquals(Duration.ofDays(90), config(a -> a).pulseTtl());
  }

  static Stream<Arguments> outOfRange() {
    return Stream.of(
        Arguments.of("keyRotationGrace", Duration.ofNanos(-1), "0 and 30 days"),
        Arguments.of("keyRotationGrace", Duration.ofDays(30).plusNanos(1), "0 and 30 days"),
        Arguments.of("hatchCodeTtl", Duration.ofSeconds(59), "1 minute and 1 day"),
        Arguments.of("hatchCodeTtl", Duration.ofDays(1).plusSeconds(1), "1 minute and 1 day"),
        Arguments.of("hatchMaxAttempts", 0, "1 and 20"),
        Arguments.of("hatchMaxAttempts", 21, "1 and 20"),
        Arguments.of("peckRequestTtl", Duration.ofSeconds(59), "1 minute and 30 days"),
        Arguments.of("peckRequestTtl", Duration.ofDays(31), "1 minute and 30 days"),
        Arguments.of("pulseTtl", Duration.ofMinutes(59), "1 hour and 3650 days"),
        Arguments.of("pulseTtl", Duration.ofDays(3651), "1 hour and 3650 days"),
        Arguments.of("staleThreshold", Duration.ZERO, "1 second and 30 days"),
        Arguments.of("staleThreshold", Duration.ofDays(30).plusMillis(1), "1 second and 30 days"));
  }

  @ParameterizedTest
  @MethodSource("outOfRange")
  void aComponentOutOfItsRange_isRefused_namingIt(String name, Object value, String range) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(with(name, value)));
    assertEquals(name + " must be between " + range + ", was " + value, e.getMessage());
  }

  static Stream<String> nullable() {
    return Arrays.stream(NAMES).filter(n -> !n.equals("closeStorage") && !n.equals("hatchMaxAttempts"));
  }

  @ParameterizedTest
  @MethodSource("nullable")
  void aNullComponent_isRefused_namingIt(String name) {
    NullPointerException e = assertThrows(NullPointerException.class, () -> config(with(name, null)));
    assertEquals(name, e.getMessage());
  }

  @Test
  void aNullFeature_isRefused_namingFeatures() {
    Set<Feature> withNull = new HashSet<>();
    withNull.add(null);
    assertEquals("features", assertThrows(NullPointerException.class, () -> config(with("features", withNull))).getMessage());
  }

  @Test
  void aStorageUriWithoutAScheme_isRefused_andBothOrNeitherStore_too() {
    assertEquals(
        "storageUri must start with a scheme such as memory:, mapdb: or jdbc:",
        assertThrows(IllegalArgumentException.class, () -> config(with("storageUri", Optional.of("duck.db")))).getMessage());
    assertThrows(IllegalArgumentException.class, () -> config(with("storageUri", Optional.empty())));
  }
}
