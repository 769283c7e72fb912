package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * I3 across processes: two engine instances, each with its own pool, on one database. What one
 * revokes fails on the other's very next call — nothing on the authentication path is cached.
 */
class CrossInstanceRevocationTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("I3")
  @Tag("K4")
  void revocationThroughOneInstanceFailsOnTheOthersNextCall(TestDatabase db) {
    TestDatabase.Namespace ns = db.fresh();
    var mailbox = EngineInstance.mailbox();
    try (EngineInstance a = new EngineInstance(ns.url(), dir.resolve("kek.json"), mailbox);
        EngineInstance b = new EngineInstance(ns.url(), dir.resolve("kek.json"), mailbox)) {
      BeakKey admin = a.bootstrap().key().key();
      BeakKey operator = a.operator(admin, "Olive");
      BondResult scout = a.engine.bonds().bond(operator, "scout", Tier.T1);
      BondResult ranger = b.engine.bonds().bond(operator, "ranger", Tier.T1);

      // both instances accept both keys
      for (EngineInstance e : new EngineInstance[] {a, b}) {
        assertEquals(scout.agent().id(), e.engine.authenticate(scout.key().key()).id());
        assertEquals(ranger.agent().id(), e.engine.authenticate(ranger.key().key()).id());
      }

      // K4: revoked through A, refused on B's very next call
      a.engine.keys().revoke(operator, scout.key().info().id(), ReasonCode.COMPROMISED);
      assertThrows(Unauthenticated.class, () -> b.engine.authenticate(scout.key().key()));
      assertThrows(Unauthenticated.class, () -> b.engine.pulses().pulse(scout.key().key(), "ok"));

      // a bond revoked through B takes its agent's key down on A at once
      b.engine.bonds().revoke(operator, ranger.bond().id(), ReasonCode.OPERATOR_REQUEST);
      assertThrows(Unauthenticated.class, () -> a.engine.authenticate(ranger.key().key()));

      // a rotation through B: A accepts the new key at once (and the old one within its grace)
      BondResult third = a.engine.bonds().bond(operator, "third", Tier.T1);
      IssuedKey rotated = b.engine.keys().rotate(operator, third.key().info().id());
      assertEquals(third.agent().id(), a.engine.authenticate(rotated.key()).id());
      assertEquals(third.agent().id(), a.engine.authenticate(third.key().key()).id());

      // a demoted caller: the operator's own key revoked through B; its governance fails on A
      BeakKey other = a.operator(admin, "Oscar");
      b.engine.keys().revoke(admin, a.engine.authenticate(other).keyId(), ReasonCode.POLICY_VIOLATION);
      assertThrows(Unauthenticated.class, () -> a.engine.bonds().bond(other, "late", Tier.T1));

      // and the chain both instances wrote is one chain
      var v = b.engine.audit().verify(admin);
      assertTrue(v.valid(), v.problem().orElse(""));
      assertEquals(a.storage.auditHead(), b.storage.auditHead());
      assertThrows(Forbidden.class, () -> b.engine.bonds().bond(scoutlessT1(a, "Tina"), "x", Tier.T1));
    } finally {
      db.drop(ns);
    }
  }

  /**
   * Two instances starting at the same moment on an empty database: Flyway's lock serializes the
   * migration, the keyset insert is a compare-and-set, and both end up with the same keysets — a
   * certificate signed by one verifies with the other's JWKS.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void instancesStartingTogetherShareOneSchemaAndOneKeyset(TestDatabase db) throws Exception {
    TestDatabase.Namespace ns = db.fresh();
    var mailbox = EngineInstance.mailbox();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
    java.util.concurrent.Callable<EngineInstance> open = () -> {
      start.await();
      return new EngineInstance(ns.url(), dir.resolve("kek.json"), mailbox);
    };
    var fa = pool.submit(open);
    var fb = pool.submit(open);
    try (EngineInstance a = fa.get(60, java.util.concurrent.TimeUnit.SECONDS);
        EngineInstance b = fb.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
      assertEquals(a.engine.certificates().publicJwks(), b.engine.certificates().publicJwks());
      BeakKey admin = a.bootstrap().key().key();
      BeakKey operator = b.operator(admin, "Olive");
      BondResult scout = b.engine.bonds().bond(operator, "scout", Tier.T1);
      io.spaceduck.core.OfflineCertificateVerifier.fromJwks(a.engine.certificates().publicJwks()).verify(scout.certificate().jws());
    } finally {
      pool.shutdownNow();
      db.drop(ns);
    }
  }

  /** A T1 duckling's key: T1 may not bond agents. */
  private static BeakKey scoutlessT1(EngineInstance e, String name) {
    return e.hatch(name).key().key();
  }
}
