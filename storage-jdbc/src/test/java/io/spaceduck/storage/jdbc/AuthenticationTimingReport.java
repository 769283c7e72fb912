package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Unauthenticated;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * K6 on a real database, as a measurement for the report, not an assertion (timing is no unit-test
 * matter; the assertion on the reads is {@code AuthenticationReadsTest} in engine-core): the median
 * time of a failed authentication with an unknown key id and with a known key id and a wrong secret,
 * interleaved so that both see the same load. Prints one line per database.
 */
class AuthenticationTimingReport {
  private static final int WARM_UP = 1_500;
  private static final int ROUNDS = 3_000;

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("K6")
  void unknownAndKnownKeyIds_medianNanos(TestDatabase db) {
    TestDatabase.Namespace ns = db.fresh();
    try (EngineInstance e = new EngineInstance(ns.url(), dir.resolve("kek.json"), EngineInstance.mailbox())) {
      BeakKey admin = e.bootstrap().key().key();
      BeakKey op = e.operator(admin, "Olive");
      BeakKey agent = e.engine.bonds().bond(op, "agent", io.spaceduck.api.Tier.T1).key().key();
      e.engine.authenticate(agent);
      String raw = agent.reveal();
      BeakKey known = BeakKey.of(raw.substring(0, raw.length() - 1) + (raw.endsWith("a") ? "b" : "a"));
      BeakKey unknown = BeakKey.of(raw.substring(0, 3) + (raw.charAt(3) == 'a' ? "b" : "a") + raw.substring(4));
      long[] k = new long[ROUNDS];
      long[] u = new long[ROUNDS];
      for (int i = 0; i < WARM_UP + ROUNDS; i++) {
        long a = time(e, (i & 1) == 0 ? known : unknown);
        long b = time(e, (i & 1) == 0 ? unknown : known);
        if (i >= WARM_UP) {
          k[i - WARM_UP] = (i & 1) == 0 ? a : b;
          u[i - WARM_UP] = (i & 1) == 0 ? b : a;
        }
      }
      long mk = median(k);
      long mu = median(u);
      System.out.printf("K6 timing on %s: failed authentication, median of %d: known key id (wrong secret) %d ns,"
          + " unknown key id %d ns, difference %+d ns%n", db, ROUNDS, mk, mu, mk - mu);
    } finally {
      db.drop(ns);
    }
  }

  private static long time(EngineInstance e, BeakKey key) {
    long t0 = System.nanoTime();
    assertThrows(Unauthenticated.class, () -> e.engine.authenticate(key));
    return System.nanoTime() - t0;
  }

  private static long median(long[] xs) {
    long[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
