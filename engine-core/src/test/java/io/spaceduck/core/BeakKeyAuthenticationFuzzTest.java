package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Principal;
import io.spaceduck.api.RateLimits;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;

/**
 * Fuzz target (docs/fuzzing.md): Beak Key parsing and {@code authenticate} with arbitrary strings, on
 * an engine holding three live keys (admin, operator, agent). The first input byte picks how the rest
 * is read: even, the rest is the raw key; odd, the second byte {@code n} keeps the first {@code n % 73}
 * characters of the live agent key and the rest follows them (so the fuzzer starts at a known key id
 * with a wrong secret, and at the live key itself).
 *
 * <p>The contract: the exact text of a live key authenticates as its owner; every other string is
 * refused with {@link Unauthenticated} only, always with the same message; and the store work of a
 * refusal says nothing about the key id (K6), counted with a recording store, not timed: a malformed
 * key (not {@code bk_<16 base32>_<52 base32>}, which anyone can tell from the text) reads nothing, a
 * well-formed one makes exactly one lookup of a fixed shape (keys, identities, bonds), whose identity
 * read finds a row whether its key id exists or not (AuthenticationReadsTest).
 */
class BeakKeyAuthenticationFuzzTest {
  private static final Pattern WELL_FORMED = Pattern.compile("bk_[a-z2-7]{16}_[a-z2-7]{52}");

  private static final class Fixture {
    final AuthenticationReadsTest.ReadLog log = new AuthenticationReadsTest.ReadLog(new InMemoryStorage());
    final TestEngine t;
    final Map<String, Principal> live;
    final String agentKey;
    final String refusal;

    Fixture() {
      RateLimits.Bucket unlimited = new RateLimits.Bucket(1L << 40, 1e9);
      t = new TestEngine(log, TestEngine.newKek(), b -> b.rateLimits(RateLimits.uniform(unlimited).withAuthFailures(unlimited, unlimited)));
      BeakKey admin = t.bootstrap().key().key();
      BeakKey op = t.operator(admin, "Olive");
      BondResult agent = t.bond(op, "agent", Tier.T1);
      agentKey = agent.key().key().reveal();
      live = Map.of(
          admin.reveal(), t.engine.authenticate(admin),
          op.reveal(), t.engine.authenticate(op),
          agentKey, t.engine.authenticate(agent.key().key()));
      String message = null;
      try {
        t.engine.authenticate(BeakKey.of("not a key"));
      } catch (Unauthenticated u) {
        message = u.getMessage();
      }
      refusal = message;
    }
  }

  /** Built on the first input (the fuzzer's JVM builds it once). */
  private static final Supplier<Fixture> FIXTURE = Suppliers.memoize(Fixture::new);

  @FuzzTest
  @Tag("K6")
  void authenticateRefusesAllButTheLiveKeys_withEqualStoreWork(byte[] data) {
    Fixture f = FIXTURE.get();
    String raw = candidate(f, data);
    BeakKey key = BeakKey.of(raw);
    Principal[] got = new Principal[1];
    List<String> reads;
    try {
      reads = f.log.during(() -> got[0] = f.t.engine.authenticate(key));
    } catch (Unauthenticated u) {
      assertTrue(!f.live.containsKey(raw), "a live key was refused");
      assertEquals(f.refusal, u.getMessage(), "every refusal reads the same");
      reads = List.copyOf(f.log.reads);
      if (WELL_FORMED.matcher(raw).matches()) {
        // one lookup of a fixed shape before the secret is checked (Storage#authenticationRows; one
        // statement on JDBC), and its identity read finds a row whether the key id exists or not
        assertEquals(1, f.log.lookups, "K6: one lookup");
        assertEquals(List.of("keys", "identities", "bonds"), reads.stream().map(r -> r.substring(0, r.indexOf(':'))).toList(), "K6 reads");
        assertEquals("identities:hit", reads.get(1), () -> "K6: a row found, whatever the key id: " + f.log.reads);
      } else {
        assertEquals(List.of(), reads, "a malformed key reads nothing");
      }
      return;
    }
    Principal expected = f.live.get(raw);
    if (expected == null) {
      fail("authenticated a string that is not a live key");
    }
    assertEquals(expected, got[0]);
  }

  private static String candidate(Fixture f, byte[] data) {
    if (data.length < 2 || (data[0] & 1) == 0) {
      return new String(data, StandardCharsets.UTF_8);
    }
    int keep = Byte.toUnsignedInt(data[1]) % (f.agentKey.length() + 1);
    return f.agentKey.substring(0, keep) + new String(Arrays.copyOfRange(data, 2, data.length), StandardCharsets.UTF_8);
  }
}
