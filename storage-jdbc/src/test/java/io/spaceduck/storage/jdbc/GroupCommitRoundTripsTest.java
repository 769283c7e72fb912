package io.spaceduck.storage.jdbc;

import static io.spaceduck.storage.jdbc.StoreChecks.assertChain;
import static io.spaceduck.storage.jdbc.StoreChecks.draft;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Storage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The round trips of the committer's transaction for audit appends (issue 19), counted on the
 * connection: the batch's events are linked to the head the committer's last batch left, written with
 * the audit tree nodes they complete (issue 20; schema 5 stores every fourth level, so only a batch
 * that completes a node of level 4, 8, … writes one) and the head moved in one statement on
 * PostgreSQL (two or three elsewhere: the head, the events, the nodes if any), then the commit; a head
 * another instance moved meanwhile costs the locking read and the read of the tree's right edge from
 * the leaves and stored nodes, and the chain and its tree stay one (A5).
 */
class GroupCommitRoundTripsTest {

  private static List<String> committerTrips(CountingDataSource ds, Storage s, List<AuditDraft> drafts) {
    return ds.during(() -> s.execute(tx -> {
          drafts.forEach(tx::appendAudit);
          return null;
        })).stream()
        .filter(t -> !t.autocommit())
        .map(t -> t.sql().startsWith(AuditTreeRows.READ_HEAD) ? "LOCK HEAD"
            : t.sql().startsWith("WITH moved") ? (t.sql().contains("sd_audit_tree") ? "MOVE HEAD + INSERT NODES + INSERT EVENTS" : "MOVE HEAD + INSERT EVENTS")
            : t.sql().startsWith("UPDATE sd_audit_head") ? "MOVE HEAD"
            : t.sql().startsWith("INSERT INTO sd_audit_tree") ? "INSERT NODES"
            : t.sql().startsWith("INSERT INTO sd_audit") ? "INSERT EVENTS"
            : t.sql().startsWith("SELECT seq, hash FROM sd_audit WHERE") ? "READ EDGE LEAVES"
            : t.sql().startsWith("SELECT lvl, idx, hash FROM sd_audit_tree WHERE") ? "READ EDGE NODES"
            : t.sql())
        .toList();
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @Tag("A5")
  @DisplayName("A5 audit appends with their tree nodes: one statement and the commit per batch on PostgreSQL (two or three statements elsewhere); a moved head costs the lock and the edge")
  void auditAppends_roundTripsPerTransaction(TestDatabase db) {
    TestDatabase.Namespace ns = db.fresh();
    CountingDataSource ds = new CountingDataSource(ns.url());
    List<String> write = db == TestDatabase.POSTGRES
        ? List.of("MOVE HEAD + INSERT EVENTS")
        : List.of("MOVE HEAD", "INSERT EVENTS");
    List<String> writeWithNodes = db == TestDatabase.POSTGRES
        ? List.of("MOVE HEAD + INSERT NODES + INSERT EVENTS")
        : concat(write, List.of("INSERT NODES"));
    try (JdbcStorage s = JdbcStorage.open(ds);
        Storage other = new JdbcStorageProvider().open(ns.url(), Map.of())) {
      // the first batch does not know the head: it locks and reads it
      assertEquals(concat(List.of("LOCK HEAD"), write, List.of("COMMIT")), committerTrips(ds, s, List.of(draft("a", "t", "1"))));
      // the next batches link to the head the last one left
      assertEquals(concat(write, List.of("COMMIT")), committerTrips(ds, s, List.of(draft("a", "t", "2"))));
      assertEquals(concat(write, List.of("COMMIT")),
          committerTrips(ds, s, List.of(draft("a", "t", "3"), draft("a", "t", "4"), draft("a", "t", "5"))));
      // another instance appends: the remembered head is stale, nothing is written until it is locked and read
      other.execute(tx -> {
        tx.appendAudit(draft("a", "other", "6"));
        return null;
      });
      List<String> stale = db == TestDatabase.POSTGRES
          ? List.of("MOVE HEAD + INSERT EVENTS", "LOCK HEAD", "READ EDGE LEAVES", "MOVE HEAD + INSERT EVENTS", "COMMIT")
          : List.of("MOVE HEAD", "LOCK HEAD", "READ EDGE LEAVES", "MOVE HEAD", "INSERT EVENTS", "COMMIT");
      assertEquals(stale, committerTrips(ds, s, List.of(draft("a", "t", "7"))));
      assertEquals(concat(write, List.of("COMMIT")), committerTrips(ds, s, List.of(draft("a", "t", "8"))));
      // events 9-16 complete the first stored node, (4, 0)
      List<AuditDraft> eight = java.util.stream.IntStream.rangeClosed(9, 16).mapToObj(i -> draft("a", "t", "" + i)).toList();
      assertEquals(concat(writeWithNodes, List.of("COMMIT")), committerTrips(ds, s, eight));
      // after 17 events from the other instance, the edge is read from the leaves and the stored nodes
      other.execute(tx -> {
        java.util.stream.IntStream.rangeClosed(17, 33).forEach(i -> tx.appendAudit(draft("a", "other", "" + i)));
        return null;
      });
      List<String> staleAt33 = db == TestDatabase.POSTGRES
          ? List.of("MOVE HEAD + INSERT EVENTS", "LOCK HEAD", "READ EDGE LEAVES", "READ EDGE NODES", "MOVE HEAD + INSERT EVENTS", "COMMIT")
          : List.of("MOVE HEAD", "LOCK HEAD", "READ EDGE LEAVES", "READ EDGE NODES", "MOVE HEAD", "INSERT EVENTS", "COMMIT");
      assertEquals(staleAt33, committerTrips(ds, s, List.of(draft("a", "t", "34"))));
      assertChain(s, 34);
      assertChain(other, 34);
    } finally {
      db.drop(ns);
    }
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    return java.util.Arrays.stream(parts).flatMap(List::stream).toList();
  }
}
