package io.spaceduck.api;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The allowed range of every engine setting, in one place. {@link SpaceDuckBuilder} checks a value
 * the moment it is set, so the mistake surfaces at the line that made it; {@link EngineConfig} checks
 * again because it is a public record anyone can construct. A refusal is an {@link
 * IllegalArgumentException} (a {@link NullPointerException} for null) whose message starts with the
 * setting's name, e.g. {@code "pulseTtl must be between 1 hour and 3650 days, was PT0S"}.
 */
final class Settings {
  static final Duration KEY_ROTATION_GRACE_MIN = Duration.ZERO;
  static final Duration KEY_ROTATION_GRACE_MAX = Duration.ofDays(30);
  static final Duration HATCH_CODE_TTL_MIN = Duration.ofMinutes(1);
  static final Duration HATCH_CODE_TTL_MAX = Duration.ofDays(1);
  static final int HATCH_MAX_ATTEMPTS_MIN = 1;
  static final int HATCH_MAX_ATTEMPTS_MAX = 20;
  static final Duration PECK_REQUEST_TTL_MIN = Duration.ofMinutes(1);
  static final Duration PECK_REQUEST_TTL_MAX = Duration.ofDays(30);
  static final Duration PULSE_TTL_MIN = Duration.ofHours(1);
  static final Duration PULSE_TTL_MAX = Duration.ofDays(3650);
  static final Duration STALE_THRESHOLD_MIN = Duration.ofSeconds(1);
  static final Duration STALE_THRESHOLD_MAX = Duration.ofDays(30);

  private Settings() {}

  static Duration keyRotationGrace(@Nullable Duration grace) {
    return between("keyRotationGrace", grace, KEY_ROTATION_GRACE_MIN, KEY_ROTATION_GRACE_MAX);
  }

  static Duration hatchCodeTtl(@Nullable Duration ttl) {
    return between("hatchCodeTtl", ttl, HATCH_CODE_TTL_MIN, HATCH_CODE_TTL_MAX);
  }

  static int hatchMaxAttempts(int attempts) {
    return between("hatchMaxAttempts", attempts, HATCH_MAX_ATTEMPTS_MIN, HATCH_MAX_ATTEMPTS_MAX);
  }

  static Duration peckRequestTtl(@Nullable Duration ttl) {
    return between("peckRequestTtl", ttl, PECK_REQUEST_TTL_MIN, PECK_REQUEST_TTL_MAX);
  }

  static Duration pulseTtl(@Nullable Duration ttl) {
    return between("pulseTtl", ttl, PULSE_TTL_MIN, PULSE_TTL_MAX);
  }

  static Duration staleThreshold(@Nullable Duration threshold) {
    return between("staleThreshold", threshold, STALE_THRESHOLD_MIN, STALE_THRESHOLD_MAX);
  }

  /** An audit checkpoint origin: also the checkpoint key's name, so a signed-note key name (at most 200 characters). */
  static String checkpointOrigin(@Nullable String origin) {
    Objects.requireNonNull(origin, "checkpointOrigin");
    if (origin.length() > 200) {
      throw new IllegalArgumentException("checkpointOrigin is at most 200 characters");
    }
    SignedNote.checkName(origin);
    return origin;
  }

  /**
   * A store URI names its scheme ({@code memory:}, {@code mapdb:…}, {@code jdbc:…}): that is how a
   * storage provider recognises it. The value is never echoed: a JDBC URL may carry a password (D2).
   */
  static String storageUri(@Nullable String uri) {
    Objects.requireNonNull(uri, "storageUri");
    if (!uri.matches("(?s)[A-Za-z][A-Za-z0-9+.-]*:.*")) {
      throw new IllegalArgumentException("storageUri must start with a scheme such as memory:, mapdb: or jdbc:");
    }
    return uri;
  }

  static Duration between(String name, @Nullable Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          name + " must be between " + words(min) + " and " + words(max) + ", was " + value);
    }
    return value;
  }

  static int between(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  static long between(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /** {@code 0}, {@code 1 second}, {@code 15 minutes}, {@code 24 hours}, {@code 30 days}: the largest whole unit. */
  static String words(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    if (d.getNano() != 0 || d.isNegative()) {
      return d.toString();
    }
    long s = d.getSeconds();
    if (s % 86_400 == 0) {
      return plural(s / 86_400, "day");
    }
    if (s % 3_600 == 0) {
      return plural(s / 3_600, "hour");
    }
    if (s % 60 == 0) {
      return plural(s / 60, "minute");
    }
    return plural(s, "second");
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }
}
