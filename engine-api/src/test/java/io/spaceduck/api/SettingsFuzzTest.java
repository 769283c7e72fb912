package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Fuzz target (docs/fuzzing.md): every {@link SpaceDuckBuilder} setting and {@link Policy} rule with
 * arbitrary values, as a host's configuration file would give them. The input is a sequence of
 * settings (one byte picks which, the following bytes its value). The contract: a setting outside
 * its documented range is refused with {@link IllegalArgumentException} naming the setting, and an
 * accepted one is inside that range; a {@link Policy} built from any sequence of accepted rules never
 * allows what the default policy refuses (rules only tighten); a rate-limit bucket outside 1 … 2^53
 * or with a refill that is not finite and positive is refused.
 */
class SettingsFuzzTest {
  private static final String[] DURATIONS = {
    "keyRotationGrace", "hatchCodeTtl", "peckRequestTtl", "pulseTtl", "staleThreshold"
  };

  private static final String STORAGE_URI_REFUSAL = "storageUri must start with a scheme such as memory:, mapdb: or jdbc:";

  /** RFC 3986's scheme then a colon, written out without a regular expression. */
  private static boolean hasScheme(String uri) {
    int colon = uri.indexOf(':');
    if (colon < 1 || !isAsciiLetter(uri.charAt(0))) {
      return false;
    }
    for (int i = 1; i < colon; i++) {
      char c = uri.charAt(i);
      if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '.' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  @FuzzTest
  void settingsRefusedOrInRange(FuzzedDataProvider in) {
    Policy.Builder policy = Policy.builder();
    while (in.remainingBytes() > 0) {
      int which = in.consumeInt(0, 9);
      switch (which) {
        case 0, 1, 2, 3, 4 -> duration(DURATIONS[which], in.consumeLong(), in.consumeInt(-1_000_000_000, 1_999_999_999));
        case 5 -> {
          int v = in.consumeInt();
          try {
            int got = Settings.hatchMaxAttempts(v);
            assertEquals(v, got);
            assertTrue(got >= Settings.HATCH_MAX_ATTEMPTS_MIN && got <= Settings.HATCH_MAX_ATTEMPTS_MAX);
          } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("hatchMaxAttempts"), e.getMessage());
            assertTrue(v < Settings.HATCH_MAX_ATTEMPTS_MIN || v > Settings.HATCH_MAX_ATTEMPTS_MAX);
          }
        }
        case 6 -> {
          String uri = in.consumeString(200);
          try {
            assertEquals(uri, Settings.storageUri(uri));
            assertTrue(hasScheme(uri), "accepted without a scheme");
          } catch (IllegalArgumentException e) {
            assertFalse(hasScheme(uri), "refused with a scheme");
            // one fixed text: the URI (which may hold a password) is never echoed. (Not "the message
            // does not contain the URI": a short URI such as ":" is a substring of any text.)
            assertEquals(STORAGE_URI_REFUSAL, e.getMessage());
          }
        }
        case 7 -> {
          long capacity = in.consumeLong();
          double refill = in.consumeRegularDouble() * (in.consumeBoolean() ? 1 : Double.POSITIVE_INFINITY);
          try {
            new RateLimits.Bucket(capacity, refill);
            assertTrue(capacity >= 1 && capacity <= (1L << 53) && refill > 0 && Double.isFinite(refill));
          } catch (IllegalArgumentException e) {
            assertTrue(capacity < 1 || capacity > (1L << 53) || !(refill > 0) || Double.isInfinite(refill));
          }
        }
        default -> rule(policy, in);
      }
    }
    Policy p = policy.build();
    Policy defaults = Policy.defaults();
    for (Permission perm : Permission.values()) {
      for (Tier t : Tier.values()) {
        for (IdentityKind k : IdentityKind.values()) {
          for (boolean admin : new boolean[] {false, true}) {
            if (p.allows(perm, t, k, admin)) {
              assertTrue(defaults.allows(perm, t, k, admin), perm + " loosened for " + t + " " + k + " admin=" + admin);
            }
          }
        }
      }
    }
  }

  private static void duration(String name, long seconds, int nanos) {
    Duration d;
    try {
      d = Duration.ofSeconds(seconds, nanos);
    } catch (ArithmeticException e) {
      return; // no such Duration: nothing a host could pass
    }
    Duration got;
    try {
      got = switch (name) {
        case "keyRotationGrace" -> Settings.keyRotationGrace(d);
        case "hatchCodeTtl" -> Settings.hatchCodeTtl(d);
        case "peckRequestTtl" -> Settings.peckRequestTtl(d);
        case "pulseTtl" -> Settings.pulseTtl(d);
        default -> Settings.staleThreshold(d);
      };
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith(name), e.getMessage());
      return;
    }
    assertEquals(d, got);
    assertTrue(!got.isNegative(), name);
  }

  private static void rule(Policy.Builder policy, FuzzedDataProvider in) {
    Permission perm = in.pickValue(Permission.values());
    Tier tier = in.pickValue(Tier.values());
    Set<IdentityKind> kinds = EnumSet.noneOf(IdentityKind.class);
    for (IdentityKind k : IdentityKind.values()) {
      if (in.consumeBoolean()) {
        kinds.add(k);
      }
    }
    try {
      policy.rule(perm, new Policy.Rule(tier, kinds, in.consumeBoolean()));
    } catch (IllegalArgumentException refused) {
      // a rule looser than the default, or an empty kind set: refused, the builder unchanged
    }
  }
}
