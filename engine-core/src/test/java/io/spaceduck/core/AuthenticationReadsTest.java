package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.conformance.ForwardingStorage;
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
 * K6 in store work: on a store where every read is a round trip (JDBC), the reads an authentication
 * makes are its timing. Every failure of a well-formed key makes the same three keyed reads — keys,
 * identities, bonds — and a caller without the secret gets exactly one row back whether the key id
 * exists or not. (The figures on a real database: {@code AuthenticationTimingReport} in storage-jdbc.)
 */
class AuthenticationReadsTest {

  /** Records each keyed read of the authentication path: table name and whether a row came back. */
  static final class ReadLog extends ForwardingStorage {
    final List<String> reads = new ArrayList<>();
    volatile boolean on;

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

    List<String> during(Runnable call) {
      reads.clear();
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
  void everyFailure_readsTheSameTables_andAGuessGetsOneRowBackWhetherTheKeyIdExistsOrNot() {
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
      Map<String, List<String>> reads = new LinkedHashMap<>();
      failures.forEach((what, k) -> reads.put(what, log.during(() -> assertThrows(Unauthenticated.class, () -> t.engine.authenticate(k)))));

      for (Map.Entry<String, List<String>> e : reads.entrySet()) {
        assertEquals(List.of("keys", "identities", "bonds"), tables(e.getValue()), e.getKey() + ": " + reads);
      }
      assertEquals(1, hits(reads.get("unknown key id")), reads.toString());
      assertEquals(1, hits(reads.get("known key id, wrong secret")), reads.toString());
      assertEquals(List.of("keys", "identities", "bonds"), tables(log.during(() -> t.engine.authenticate(key))), "an agent's success");
    }
  }
}
