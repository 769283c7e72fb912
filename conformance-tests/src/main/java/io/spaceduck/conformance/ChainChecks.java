package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Storage;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Assertions about a store's audit chain and the kit's own audit drafts, shared by the storage
 * contract's concerns. Stateless.
 */
final class ChainChecks {
  private ChainChecks() {}

  /** Whether every event is linked and the store's head matches; returns the events. */
  static List<AuditEvent> assertChain(Storage s, List<AuditDraft> drafts) {
    List<AuditEvent> events = s.auditRange(1, Integer.MAX_VALUE);
    assertEquals(drafts.size(), events.size(), "number of audit events");
    Hash prev = Hash.ZERO;
    for (int i = 0; i < events.size(); i++) {
      AuditEvent e = events.get(i);
      assertEquals(i + 1L, e.seq(), "seq of event " + i);
      assertEquals(prev, e.prevHash(), "prev_hash of seq " + e.seq());
      assertEquals(AuditChain.computeHash(e), e.hash(), "hash of seq " + e.seq());
      assertEquals(drafts.get(i), AuditChain.draftOf(e), "fields of seq " + e.seq());
      prev = e.hash();
    }
    Optional<AuditHead> head = events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1).head());
    assertEquals(head, s.auditHead(), "auditHead");
    AuditVerification v = AuditChain.verify(events.iterator(), s.auditHead());
    assertTrue(v.valid(), () -> "chain does not verify: " + v.problem().orElse("?"));
    assertEquals(events.size(), v.eventsVerified(), "events verified");
    assertEquals(head, v.head(), "verified head");
    return events;
  }

  /**
   * The events are seq 1..n without duplicates, linked, hashed, and verify with the store's head; and
   * the store's audit tree ({@link #assertTreeMatches}) is theirs.
   */
  static void assertOneLinearChain(Storage s, List<AuditEvent> events) {
    Set<Long> seqs = new HashSet<>();
    Hash prev = Hash.ZERO;
    for (int i = 0; i < events.size(); i++) {
      AuditEvent e = events.get(i);
      assertTrue(seqs.add(e.seq()), "duplicate seq " + e.seq());
      assertEquals(i + 1L, e.seq(), "gap or reordering at position " + i);
      assertEquals(prev, e.prevHash(), "fork: prev_hash of seq " + e.seq());
      assertEquals(AuditChain.computeHash(e), e.hash(), "hash of seq " + e.seq());
      prev = e.hash();
    }
    AuditVerification v = AuditChain.verify(events.iterator(), s.auditHead());
    assertTrue(v.valid(), () -> "chain does not verify: " + v.problem().orElse("?"));
    assertEquals(events.size(), v.eventsVerified(), "events verified");
    assertTreeMatches(s, events);
  }

  /**
   * Every complete node of the audit tree ({@link Storage#auditSubtree}) is that of the RFC 9162 tree
   * over {@code events} — the whole log — and the first incomplete node of each level is empty. A store
   * that writes its nodes with the events (issue 20) is held to them after whatever batches its
   * appends were grouped into.
   */
  static void assertTreeMatches(Storage s, List<AuditEvent> events) {
    List<Hash> level = new java.util.ArrayList<>();
    for (AuditEvent e : events) {
      level.add(io.spaceduck.api.AuditTree.leafHash(e.hash()));
    }
    for (int l = 0; !level.isEmpty(); l++) {
      List<Hash> up = new java.util.ArrayList<>();
      for (int i = 0; i < level.size(); i++) {
        assertEquals(Optional.of(level.get(i)), s.auditSubtree(l, i), "audit tree node (" + l + ", " + i + ") of " + events.size());
        if ((i & 1) == 1) {
          up.add(io.spaceduck.api.AuditTree.nodeHash(level.get(i - 1), level.get(i)));
        }
      }
      assertEquals(Optional.empty(), s.auditSubtree(l, level.size()), "incomplete audit tree node (" + l + ", " + level.size() + ")");
      level = up;
    }
  }

  /** A successful system event of {@code action} on {@code resource}, at the kit's audit epoch. */
  static AuditDraft systemDraft(String action, String resource) {
    return AuditDraft.of(
        action,
        AuditEvent.SYSTEM_ACTOR,
        resource,
        Optional.empty(),
        StorageArbitraries.AUDIT_EPOCH,
        "conformance",
        ReasonCode.NONE,
        AuditOutcome.SUCCESS,
        Map.of());
  }

  /** The one audit event the kit appends to a unit of the uniqueness cases. */
  static AuditDraft unitDraft(String resource) {
    return systemDraft("conformance.unit", resource);
  }

  /** A page read: {@code (fromSeq, limit)}, inclusive of {@code fromSeq}. */
  @FunctionalInterface
  interface PageRead {
    List<AuditEvent> read(long fromSeq, int limit);
  }
}
