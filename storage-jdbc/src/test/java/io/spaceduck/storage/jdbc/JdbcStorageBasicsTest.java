package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcStorageBasicsTest {
  static AuditDraft draft(String action) {
    return AuditDraft.of(action, "dk_actor", "res", Optional.of("dk_op"), Instant.parse("2026-11-22T10:00:00.123456Z"),
        "0.1.0", ReasonCode.NONE, AuditOutcome.SUCCESS, Map.of("k", "v\u0000é🦆"));
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void writesReadsAndChains(TestDatabase db) {
    TestDatabase.Namespace ns = db.fresh();
    try (JdbcStorage s = (JdbcStorage) new JdbcStorageProvider().open(ns.url(), Map.of())) {
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("a", "one"));
        tx.appendAudit(draft("meta.set"));
        return null;
      });
      Versioned<MetaRecord> a = s.get(Tables.META, "a").orElseThrow();
      assertEquals(1, a.version());
      s.execute(tx -> {
        tx.update(Tables.META, a, new MetaRecord("a", "two"));
        tx.appendAudit(draft("meta.set"));
        return null;
      });
      assertEquals("two", s.get(Tables.META, "a").orElseThrow().value().value());
      assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
        tx.update(Tables.META, a, new MetaRecord("a", "three"));
        return null;
      }));
      var events = s.auditRange(1, 10);
      assertEquals(2, events.size());
      assertEquals(2, s.auditHead().orElseThrow().seq());
      assertTrue(AuditChain.verify(events.iterator(), s.auditHead()).valid());
      assertEquals("v\u0000é🦆", events.get(0).details().get("k"));
    } finally {
      db.drop(ns);
    }
  }
}
