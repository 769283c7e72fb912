package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unavailable;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stored value its codec refuses (a row changed outside the engine) is a {@link StorageException}
 * naming the table and the row's key — on every read path: keyed reads, index reads, the one-statement
 * authentication lookup and pulses — and the engine fails closed ({@link Unavailable}).
 */
class CorruptRowTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aCorruptRow_isNamedByTableAndKey_onEveryReadPath(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try (EngineInstance e = new EngineInstance(ns.url(), dir.resolve("kek-" + ns.name() + ".json"), EngineInstance.mailbox())) {
      BeakKey admin = e.bootstrap().key().key();
      BeakKey op = e.operator(admin, "Olive");
      BondResult b = e.engine.bonds().bond(op, "agent", Tier.T1);
      String bondId = b.bond().id().value();
      String keyId = b.key().info().id().value();
      AgentId agent = b.agent().id();
      e.engine.pulses().pulse(b.key().key(), "ok");
      try (Connection c = ns.admin()) {
        garble(c, "sd_bonds", "k", bondId);
        garble(c, "sd_keys", "k", keyId);
        garble(c, "sd_pulse_latest", "agent", agent.value());
      }

      assertNamed(assertThrows(StorageException.class, () -> e.storage.get(Tables.BONDS, bondId)), "bonds", bondId);
      assertNamed(assertThrows(StorageException.class,
          () -> e.storage.findBy(Tables.BONDS_BY_OPERATOR, b.bond().operator().value())), "bonds", bondId);
      assertNamed(assertThrows(StorageException.class, () -> e.storage.authenticationRows(keyId, "dk_x", "bd_x")), "keys", keyId);
      assertNamed(assertThrows(StorageException.class, () -> e.storage.latestPulse(agent)), "pulses", agent.value());
      assertThrows(Unavailable.class, () -> e.engine.authenticate(b.key().key()), "the engine fails closed");
    } finally {
      db.drop(ns);
    }
  }

  /** Replaces the stored value of one row by bytes no codec writes (a format byte of 0x7f). */
  private static void garble(Connection c, String table, String keyColumn, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET v = ? WHERE " + keyColumn + " = ?")) {
      ps.setBytes(1, new byte[] {0x7f, 0x00, 0x01});
      ps.setBytes(2, key.getBytes(StandardCharsets.UTF_8));
      assertEquals(1, ps.executeUpdate(), table + " row " + key);
    }
  }

  private static void assertNamed(StorageException e, String table, String key) {
    String m = e.getMessage();
    assertTrue(m.contains("table " + table), m);
    assertTrue(m.contains(key), m);
  }
}
