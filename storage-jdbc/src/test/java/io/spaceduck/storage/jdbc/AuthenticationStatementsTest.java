package io.spaceduck.storage.jdbc;

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
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The authentication hot path on the JDBC store (issue 19): one statement per call, whatever the key
 * (K6), reading committed rows every time (I3), with the same rows as the SPI's default chain of three
 * reads; and the schema-3 migration that makes the one statement possible.
 */
class AuthenticationStatementsTest {
  private static final String DECOY_IDENTITY = "ag_" + "2".repeat(26);
  private static final String DECOY_BOND = "bd_" + "2".repeat(26);

  @TempDir Path dir;

  private static BeakKey wrongSecret(BeakKey key) {
    String raw = key.reveal();
    char last = raw.charAt(raw.length() - 1);
    return BeakKey.of(raw.substring(0, raw.length() - 1) + (last == 'a' ? 'b' : 'a'));
  }

  private static BeakKey unknownId(BeakKey key) {
    String raw = key.reveal();
    char c = raw.charAt(3);
    return BeakKey.of(raw.substring(0, 3) + (c == 'a' ? 'b' : 'a') + raw.substring(4));
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("K6")
  @Tag("I3")
  void everyWellFormedKey_costsExactlyOneStatement_andSeesTheLatestRevocation(TestDatabase db) {
    TestDatabase.Namespace ns = db.fresh();
    CountingDataSource ds = new CountingDataSource(ns.url());
    try (EngineInstance e = new EngineInstance(JdbcStorage.open(ds), dir.resolve("kek.json"), EngineInstance.mailbox(),
        Clock.fixed(EngineInstance.NOW, ZoneOffset.UTC))) {
      BeakKey admin = e.bootstrap().key().key();
      BeakKey op = e.operator(admin, "Olive");
      BondResult agent = e.engine.bonds().bond(op, "agent", Tier.T1);
      BondResult gone = e.engine.bonds().bond(op, "gone", Tier.T1);
      e.engine.bonds().revoke(op, gone.bond().id(), ReasonCode.COMPROMISED);
      BondResult oldKey = e.engine.bonds().bond(op, "old", Tier.T1);
      e.engine.keys().revoke(op, oldKey.key().info().id(), ReasonCode.COMPROMISED);
      BeakKey key = agent.key().key();

      Map<String, Runnable> calls = new LinkedHashMap<>();
      calls.put("an agent's key", () -> e.engine.authenticate(key));
      calls.put("an operator's key", () -> e.engine.authenticate(op));
      calls.put("unknown key id", () -> assertThrows(Unauthenticated.class, () -> e.engine.authenticate(unknownId(key))));
      calls.put("known key id, wrong secret", () -> assertThrows(Unauthenticated.class, () -> e.engine.authenticate(wrongSecret(key))));
      calls.put("an operator's key id, wrong secret", () -> assertThrows(Unauthenticated.class, () -> e.engine.authenticate(wrongSecret(op))));
      calls.put("revoked key", () -> assertThrows(Unauthenticated.class, () -> e.engine.authenticate(oldKey.key().key())));
      calls.put("revoked bond", () -> assertThrows(Unauthenticated.class, () -> e.engine.authenticate(gone.key().key())));
      for (Map.Entry<String, Runnable> c : calls.entrySet()) {
        List<CountingDataSource.Trip> trips = ds.during(c.getValue());
        assertEquals(List.of(new CountingDataSource.Trip(JdbcStorage.AUTHENTICATION_ROWS, true)), trips, c.getKey());
      }
      assertEquals(List.of(), ds.during(() -> assertThrows(Unauthenticated.class, () -> e.engine.authenticate(BeakKey.of("bk_x")))),
          "a malformed key: no statement (its shape is no secret)");

      // I3: nothing is kept between calls; a revocation committed by another instance fails the next call
      try (EngineInstance other = new EngineInstance(ns.url(), dir.resolve("kek.json"), EngineInstance.mailbox())) {
        other.engine.keys().revoke(op, agent.key().info().id(), ReasonCode.COMPROMISED);
      }
      List<CountingDataSource.Trip> trips = ds.during(() -> assertThrows(Unauthenticated.class, () -> e.engine.authenticate(key)));
      assertEquals(1, trips.size(), trips.toString());
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("K6")
  void oneStatement_returnsWhatTheDefaultChainOfThreeReadsReturns(TestDatabase db) {
    TestDatabase.Namespace ns = db.fresh();
    try (EngineInstance e = new EngineInstance(ns.url(), dir.resolve("kek.json"), EngineInstance.mailbox())) {
      BeakKey admin = e.bootstrap().key().key();
      BeakKey op = e.operator(admin, "Olive");
      BondResult agent = e.engine.bonds().bond(op, "agent", Tier.T1);
      BondResult gone = e.engine.bonds().bond(op, "gone", Tier.T1);
      e.engine.bonds().revoke(op, gone.bond().id(), ReasonCode.COMPROMISED);
      Storage threeReads = new ForwardingStorage(e.storage) {}; // the SPI's default: three get()s
      String agentKey = agent.key().info().id().value();
      String opKey = keyIdOf(op);
      String agentId = agent.agent().id().value();
      String bondId = agent.bond().id().value();
      List<String[]> asks = List.of(
          new String[] {agentKey, DECOY_IDENTITY, DECOY_BOND},
          new String[] {opKey, DECOY_IDENTITY, DECOY_BOND},
          new String[] {gone.key().info().id().value(), DECOY_IDENTITY, DECOY_BOND},
          new String[] {"bk0nosuchkey", DECOY_IDENTITY, DECOY_BOND},
          new String[] {"bk0nosuchkey", agentId, DECOY_BOND},
          new String[] {"bk0nosuchkey", agentId, bondId},
          new String[] {opKey, DECOY_IDENTITY, bondId},
          new String[] {"bk0nosuchkey", admin.reveal().substring(0, 3) + "x", bondId});
      for (String[] a : asks) {
        AuthenticationRows one = e.storage.authenticationRows(a[0], a[1], a[2]);
        AuthenticationRows three = threeReads.authenticationRows(a[0], a[1], a[2]);
        assertEquals(three, one, String.join(", ", a));
      }
      AuthenticationRows rows = e.storage.authenticationRows(agentKey, DECOY_IDENTITY, DECOY_BOND);
      assertTrue(rows.key().isPresent() && rows.identity().isPresent() && rows.bond().isPresent(), rows.toString());
      assertEquals(bondId, rows.bond().get().value().id().value());
    } finally {
      db.drop(ns);
    }
  }

  /**
   * Schema version 3 fills {@code ln_bond} for the agents a version-2 store holds: the agent's key
   * authenticates after the upgrade (without the link its one statement would find no bond).
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void upgradeFromVersion2_linksEveryAgentToItsBond(TestDatabase db) throws Exception {
    TestDatabase.Namespace ns = db.fresh();
    Path kek = dir.resolve("kek.json");
    try {
      BeakKey op;
      BondResult agent;
      BondResult second;
      try (EngineInstance e = new EngineInstance(ns.url(), kek, EngineInstance.mailbox())) {
        op = e.operator(e.bootstrap().key().key(), "Olive");
        agent = e.engine.bonds().bond(op, "agent", Tier.T1);
        second = e.engine.bonds().bond(op, "second", Tier.T1);
      }
      String q = db == TestDatabase.MARIADB ? "`" : "\"";
      try (Connection c = ns.admin(); Statement s = c.createStatement()) { // back to what version 2 left
        StoreChecks.backToSchema3(db, c);
        s.execute("ALTER TABLE sd_identities DROP COLUMN ln_bond");
        s.execute("DELETE FROM " + q + "sd_schema_history" + q + " WHERE " + q + "version" + q + " = '3'");
      }
      try (EngineInstance e = new EngineInstance(ns.url(), kek, EngineInstance.mailbox())) {
        assertEquals(agent.agent().id(), e.engine.authenticate(agent.key().key()).id());
        assertEquals(second.agent().id(), e.engine.authenticate(second.key().key()).id());
        e.engine.authenticate(op);
      }
    } finally {
      db.drop(ns);
    }
  }

  private static String keyIdOf(BeakKey key) {
    String raw = key.reveal();
    return raw.substring(3, raw.indexOf('_', 3));
  }
}
