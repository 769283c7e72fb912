package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.Audit;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A2: the audit log is append-only — no update or delete path exists in the SPI or the API. */
class AppendOnlyAuditTest {

  private static Set<String> auditMethods(Class<?> type) {
    return Arrays.stream(type.getMethods())
        .map(Method::getName)
        .filter(n -> n.toLowerCase().contains("audit"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  @Tag("A2")
  void theSpiOffersOnlyAppendAndReadsOfAuditEvents() {
    assertEquals(Set.of("appendAudit"), auditMethods(Transaction.class));
    // auditSubtree reads the audit tree's hashes (a cache of the events, written only with them)
    assertEquals(Set.of("auditHead", "auditQuery", "auditRange", "auditSubtree"), auditMethods(Storage.class));
    // the public API: reads, verification, checkpoints and proofs, and the checkpoint key — nothing
    // that changes or removes an event
    assertEquals(Set.of("read", "verify", "checkpoint", "inclusionProof", "consistencyProof", "verifierKeys", "rotateCheckpointKey"),
        Arrays.stream(Audit.class.getMethods()).map(Method::getName).collect(Collectors.toSet()));
    // audit events are not a table, so the generic update/delete of Transaction cannot reach them
    assertFalse(Tables.ALL.stream().anyMatch(t -> t.type() == AuditEvent.class));
  }

  @Test
  @Tag("A2")
  void storedEventsCannotBeModifiedThroughWhatTheStoreReturns() {
    try (InMemoryStorage s = new InMemoryStorage()) {
      s.execute(tx -> {
        tx.appendAudit(AuditDraft.of("key.revoked", "dk_aaaaaaaaaaaaaaaaaaaaaaaaaa", "r", Optional.empty(),
            Instant.EPOCH, "v", ReasonCode.NONE, AuditOutcome.SUCCESS, Map.of("k", "v")));
        return null;
      });
      List<AuditEvent> events = s.auditRange(1, 10);
      assertThrows(UnsupportedOperationException.class, () -> events.remove(0));
      assertThrows(UnsupportedOperationException.class, () -> events.get(0).details().put("k", "x"));
      assertEquals("v", s.auditRange(1, 10).get(0).details().get("k"));
    }
  }
}
