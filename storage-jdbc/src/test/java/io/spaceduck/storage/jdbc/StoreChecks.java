package io.spaceduck.storage.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Small units and checks the JDBC store tests share. */
final class StoreChecks {
  private StoreChecks() {}

  static final Instant T0 = Instant.parse("2026-11-22T10:00:00.123Z");

  static AuditDraft draft(String action, String actor, String resource) {
    return AuditDraft.of(action, actor, resource, Optional.of("dk_op"), T0, "0.1.0", ReasonCode.NONE, AuditOutcome.SUCCESS,
        Map.of("k", "v"));
  }

  /** The running commit thread of the store at {@code location} (its threads are named after it), if any. */
  static Optional<Thread> commitThread(String location) {
    String name = GroupCommitter.THREAD_NAME + " " + location;
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).findFirst();
  }

  /** One unit: inserts meta row {@code key} and appends one audit event naming it. */
  static void insertAudited(Storage s, String key) {
    s.execute(tx -> {
      tx.insert(Tables.META, new MetaRecord(key, "value of " + key));
      tx.appendAudit(draft("meta.set", "dk_actor", key));
      return null;
    });
  }

  /** Every event of the chain, read in pages. */
  static List<AuditEvent> allEvents(Storage s) {
    List<AuditEvent> out = new java.util.ArrayList<>();
    while (true) {
      List<AuditEvent> page = s.auditRange(out.size() + 1, 500);
      out.addAll(page);
      if (page.size() < 500) {
        return out;
      }
    }
  }

  /**
   * The chain holds exactly {@code n} events, {@code seq} 1..n without gap, ends at the store's head and
   * verifies (A3, A5). Returns the events.
   */
  static List<AuditEvent> assertChain(Storage s, int n) {
    List<AuditEvent> events = allEvents(s);
    assertEquals(n, events.size(), "audit events");
    for (int i = 0; i < n; i++) {
      assertEquals(i + 1, events.get(i).seq(), "seq at position " + i);
    }
    assertEquals(n == 0 ? Optional.empty() : Optional.of(events.get(n - 1).head()), s.auditHead(), "audit head");
    assertTrue(AuditChain.verify(events.iterator(), s.auditHead()).valid(), "the chain verifies");
    return events;
  }

  /** Meta row {@code key} exists at version 1 (inserted once, never rewritten). */
  static void assertInsertedOnce(Storage s, String key) {
    assertEquals(1, s.get(Tables.META, key).orElseThrow(() -> new AssertionError(key + " missing")).version(), key);
  }
}
