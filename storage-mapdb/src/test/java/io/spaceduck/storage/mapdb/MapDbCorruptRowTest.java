package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * A stored value its codec refuses (a file changed outside the engine) is a {@link StorageException}
 * naming the table and the row's key, on the keyed read, the index read and the pulse reads (issue 22:
 * a corrupted store names table and key; the codecs' own refusals name only the record kind).
 */
class MapDbCorruptRowTest {
  @TempDir Path dir;

  @Test
  void aCorruptRow_isNamedByTableAndKey() {
    Path file = dir.resolve("duck.db");
    AgentId agent = new AgentId("ag_" + "a".repeat(26));
    try (MapDbStorage s = MapDbStorage.open(file)) {
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("victim", "v"));
        tx.appendAudit(AuditDraft.of("meta.set", "dk_actor", "victim", Optional.empty(), Instant.EPOCH, "0.1.0",
            ReasonCode.NONE, AuditOutcome.SUCCESS, Map.of()));
        return null;
      });
      s.recordPulse(new Pulse(agent, new DucklingId("dk_" + "b".repeat(26)), Instant.EPOCH, "ok"));
    }
    byte[] garbage = {0x7f, 0x00, 0x01}; // a format byte no codec writes
    DB db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
    try {
      db.treeMap(Layout.ROWS, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).open()
          .put(Layout.rowKey(Tables.META, "victim"), Layout.row(1, garbage));
      db.treeMap(Layout.PULSE_LATEST, Serializer.CHAR_ARRAY, Serializer.BYTE_ARRAY).open()
          .put(agent.value().toCharArray(), garbage);
      db.commit();
    } finally {
      db.close();
    }
    for (int cacheSize : new int[] {0, MapDbStorage.DEFAULT_CACHE_SIZE}) {
      try (MapDbStorage s = MapDbStorage.open(file, cacheSize)) {
        assertNamed(assertThrows(StorageException.class, () -> s.get(Tables.META, "victim")), "meta", "victim");
        assertNamed(assertThrows(StorageException.class, () -> s.latestPulse(agent)), "pulses", agent.value());
      }
    }
  }

  private static void assertNamed(StorageException e, String table, String key) {
    String m = e.getMessage();
    assertTrue(m.contains("table " + table), m);
    assertTrue(m.contains(key), m);
  }
}
