package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.api.Unauthenticated;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * R1 and K6 for callers who do not hold a key: failed authentications are limited per key id and per
 * caller source, on the injected clock, the same way for a key id that exists and one that does not.
 */
class AuthenticationFailureLimitTest {
  private static final RateLimits.Bucket BIG = new RateLimits.Bucket(1_000_000, 1_000_000);

  /** Everything generous but failed authentications: 3 per key id, 5 per source, one more per minute. */
  private static TestEngine engine() {
    RateLimits limits = RateLimits.uniform(BIG)
        .withAuthFailures(new RateLimits.Bucket(3, 1.0 / 60), new RateLimits.Bucket(5, 1.0 / 60));
    return new TestEngine(b -> b.rateLimits(limits));
  }

  /** The key with one character of its secret changed: a wrong guess for an existing key id. */
  static BeakKey wrongSecret(BeakKey key) {
    String raw = key.reveal();
    char last = raw.charAt(raw.length() - 1);
    return BeakKey.of(raw.substring(0, raw.length() - 1) + (last == 'a' ? 'b' : 'a'));
  }

  /** The key with one character of its key id changed: (almost surely) a key id no row has. */
  static BeakKey unknownId(BeakKey key) {
    String raw = key.reveal();
    char c = raw.charAt(3);
    return BeakKey.of(raw.substring(0, 3) + (c == 'a' ? 'b' : 'a') + raw.substring(4));
  }

  private static String outcome(Executable call) {
    try {
      call.execute();
      return "ok";
    } catch (RateLimited r) {
      return "RateLimited " + r.retryAfter();
    } catch (SpaceDuckException e) {
      return e.getClass().getSimpleName() + " " + e.getMessage();
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @Test
  @Tag("R1")
  @Tag("K6")
  void failuresPerKeyId_areLimited_andTheRightKeyWaitsTooUntilTheBucketRefills() {
    try (TestEngine t = engine()) {
      HatchResult a = t.hatch("Alice");
      BeakKey key = a.key().key();
      BeakKey guess = wrongSecret(key);
      for (int i = 0; i < 3; i++) {
        assertThrows(Unauthenticated.class, () -> t.engine.authenticate(guess));
      }
      RateLimited limited = assertThrows(RateLimited.class, () -> t.engine.authenticate(guess));
      assertEquals(Duration.ofMinutes(1), limited.retryAfter());
      // while the key id's bucket is empty nothing is checked: a right guess would otherwise stand out
      assertThrows(RateLimited.class, () -> t.engine.authenticate(key));
      assertThrows(RateLimited.class, () -> t.engine.certificates().get(key, a.certificate().id()));

      t.clock.advance(limited.retryAfter().minusMillis(1));
      assertThrows(RateLimited.class, () -> t.engine.authenticate(key));
      t.clock.advance(Duration.ofMillis(1));
      assertEquals(a.duckling().id(), t.engine.authenticate(key).id(), "the owner gets in once a token is back");
      // a success charges nothing: the owner keeps working at full speed
      for (int i = 0; i < 50; i++) {
        t.engine.authenticate(key);
      }
    }
  }

  @Test
  @Tag("K6")
  void unknownAndKnownKeyIds_areChargedAndRefusedAlike() {
    try (TestEngine t = engine()) {
      BeakKey key = t.hatch("Alice").key().key();
      List<String> known = new ArrayList<>();
      List<String> unknown = new ArrayList<>();
      BeakKey guessKnown = wrongSecret(key);
      BeakKey guessUnknown = unknownId(key);
      for (int i = 0; i < 6; i++) {
        known.add(outcome(() -> t.engine.authenticate(guessKnown)));
        unknown.add(outcome(() -> t.engine.authenticate(guessUnknown)));
        t.clock.advance(Duration.ofSeconds(7));
      }
      assertEquals(known, unknown, "the same refusals with the same retry-after, whether the key id exists or not");
      assertTrue(known.get(3).startsWith("RateLimited"), known.toString());
    }
  }

  @Test
  @Tag("R1")
  void failuresPerSource_areLimitedAcrossKeyIds_otherSourcesAreNot() {
    try (TestEngine t = engine()) {
      BeakKey key = t.hatch("Alice").key().key();
      String raw = key.reveal();
      // five different key ids from one source: each id's own bucket is far from empty
      for (int i = 0; i < 5; i++) {
        BeakKey guess = BeakKey.of(raw.substring(0, 3) + "23456".charAt(i) + raw.substring(4, 5) + "aaaaaaaaaaaaaa" + raw.substring(19), "198.51.100.7");
        assertThrows(Unauthenticated.class, () -> t.engine.authenticate(guess));
      }
      BeakKey sixth = BeakKey.of(wrongSecret(key).reveal(), "198.51.100.7");
      assertThrows(RateLimited.class, () -> t.engine.authenticate(sixth));
      assertThrows(RateLimited.class, () -> t.engine.authenticate(BeakKey.of(raw, "198.51.100.7")), "the source waits, right key or not");
      // the owner from another source, or from a host that passes none, is not held up by that source
      t.engine.authenticate(BeakKey.of(raw, "203.0.113.9"));
      t.engine.authenticate(key);
      // malformed keys are charged to the source too
      t.clock.advance(Duration.ofMinutes(10));
      for (int i = 0; i < 5; i++) {
        assertThrows(Unauthenticated.class, () -> t.engine.authenticate(BeakKey.of("not a key", "192.0.2.1")));
      }
      assertThrows(RateLimited.class, () -> t.engine.authenticate(BeakKey.of("not a key", "192.0.2.1")));
    }
  }

  @Test
  void source_isValidated_andNeverPrinted() {
    assertThrows(IllegalArgumentException.class, () -> BeakKey.of("bk_x", ""));
    assertThrows(IllegalArgumentException.class, () -> BeakKey.of("bk_x", "s".repeat(BeakKey.MAX_SOURCE_LENGTH + 1)));
    BeakKey k = BeakKey.of("bk_x", "198.51.100.7");
    assertEquals("198.51.100.7", k.source().orElseThrow());
    assertTrue(BeakKey.of("bk_x").source().isEmpty());
    assertTrue(!k.toString().contains("198.51"), k.toString());
  }

  @Test
  void defaults_areNamedInRateLimits() {
    RateLimits d = RateLimits.defaults();
    assertEquals(RateLimits.DEFAULT_AUTH_FAILURES_PER_KEY_ID, d.authFailuresPerKeyId());
    assertEquals(RateLimits.DEFAULT_AUTH_FAILURES_PER_SOURCE, d.authFailuresPerSource());
  }
}
