package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.AuthenticationRows;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * K6 in store work: on a store where every read is a round trip, the reads an authentication makes are
 * its timing. Every well-formed key — unknown, wrong secret, revoked, valid — costs one {@code
 * Storage#authenticationRows} lookup of the same shape (here, on a store without its own, the default's
 * three keyed reads: keys, identities, bonds), made before the secret is checked; a guess at an unknown
 * key id reads an identity row that exists, as a known key id does. A malformed key costs nothing. (One
 * statement on the JDBC store: {@code AuthenticationStatementsTest}; the timings on a real database:
 * {@code AuthenticationTimingReport}, both in storage-jdbc.)
 */
class AuthenticationReadsTest {

  /** Records each keyed read of the authentication path: table name and whether a row came back. */
  static final class ReadLog extends ForwardingStorage {
    final List<String> reads = new ArrayList<>();
    volatile boolean on;
    int lookups;

    ReadLog(Storage delegate) {
      super(delegate);
    }

    @Override
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      Optional<Versioned<V>> r = super.get(table, key);
      if (on) {
        reads.add(table.name() + (r.isPresent() ? ":hit" : ":miss"));
      }
      return r;
    }

    @Override
    public AuthenticationRows authenticationRows(String keyId, String decoyIdentity, String decoyBond) {
      if (on) {
        lookups++;
      }
      return super.authenticationRows(keyId, decoyIdentity, decoyBond); // the default: three gets
    }

    List<String> during(Runnable call) {
      reads.clear();
      lookups = 0;
      on = true;
      try {
        call.run();
      } finally {
        on = false;
      }
      return List.copyOf(reads);
    }
  }

  private static List<String> tables(List<String> reads) {
    return reads.stream().map(r -> r.substring(0, r.indexOf(':'))).toList();
  }

  private static long hits(List<String> reads) {
    return reads.stream().filter(r -> r.endsWith(":hit")).count();
  }

  @Test
  @Tag("K6")
  void everyWellFormedKey_costsOneLookupOfTheSameShape_andAGuessReadsARowThatExists() {
    ReadLog log = new ReadLog(new InMemoryStorage());
    try (TestEngine t = new TestEngine(log, TestEngine.newKek(), b -> {})) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey op = t.operator(admin, "Olive");
      BondResult agent = t.bond(op, "agent", Tier.T1);
      BondResult revokedBond = t.bond(op, "gone", Tier.T1);
      t.engine.bonds().revoke(op, revokedBond.bond().id(), ReasonCode.COMPROMISED);
      BondResult revokedKeyAgent = t.bond(op, "old", Tier.T1);
      t.engine.keys().revoke(op, revokedKeyAgent.key().info().id(), ReasonCode.COMPROMISED);
      BeakKey key = agent.key().key();
      t.engine.authenticate(key);

      Map<String, BeakKey> failures = new LinkedHashMap<>();
      failures.put("unknown key id", AuthenticationFailureLimitTest.unknownId(key));
      failures.put("known key id, wrong secret", AuthenticationFailureLimitTest.wrongSecret(key));
      failures.put("revoked key", revokedKeyAgent.key().key());
      failures.put("revoked bond", revokedBond.key().key());
      failures.put("an operator's key, wrong secret", AuthenticationFailureLimitTest.wrongSecret(op));
      Map<String, List<String>> reads = new LinkedHashMap<>();
      Map<String, Integer> lookups = new LinkedHashMap<>();
      failures.forEach((what, k) -> {
        reads.put(what, log.during(() -> assertThrows(Unauthenticated.class, () -> t.engine.authenticate(k))));
        lookups.put(what, log.lookups);
      });
      reads.put("an agent's success", log.during(() -> t.engine.authenticate(key)));
      lookups.put("an agent's success", log.lookups);
      reads.put("an operator's success", log.during(() -> t.engine.authenticate(op)));
      lookups.put("an operator's success", log.lookups);

      for (Map.Entry<String, List<String>> e : reads.entrySet()) {
        assertEquals(List.of("keys", "identities", "bonds"), tables(e.getValue()), e.getKey() + ": " + reads);
        assertEquals(1, lookups.get(e.getKey()), e.getKey() + ": one lookup " + lookups);
      }
      // a guess reads an identity row that exists whether the key id exists or not (the decoy identity)
      assertEquals("identities:hit", reads.get("unknown key id").get(1), reads.toString());
      assertEquals("identities:hit", reads.get("known key id, wrong secret").get(1), reads.toString());
      assertTrue(hits(reads.get("unknown key id")) >= 1, reads.toString());

      assertEquals(List.of(), log.during(() -> assertThrows(Unauthenticated.class, () -> t.engine.authenticate(BeakKey.of("bk_short")))),
          "a malformed key: no store work (its shape is no secret)");
      assertEquals(0, log.lookups);
    }
  }
}
