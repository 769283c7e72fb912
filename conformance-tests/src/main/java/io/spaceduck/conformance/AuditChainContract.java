package io.spaceduck.conformance;

import static io.spaceduck.conformance.ChainChecks.assertChain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * The audit chain, one thread at a time: appends form one gapless chain from seq 1, each event linked
 * to the previous hash and verifying with the store's head after every unit (A1, A3, A5); {@code
 * auditRange} is exactly the slice from any {@code fromSeq}, any limit (A3); {@code auditQuery} equals
 * the reference {@link io.spaceduck.storage.AuditFilter#matches} and its pages give each match exactly
 * once (A4). The chain under many threads is {@link ConcurrencyContract}'s. Implemented by {@link
 * StorageContract}; see {@link StorageConcern}.
 */
public interface AuditChainContract extends StorageConcern {
  /** 0–12 units of 0–3 drafts each. */
  @Provide
  default Arbitrary<List<List<AuditDraft>>> auditUnits() {
    return StorageArbitraries.auditDrafts().list().ofMaxSize(3).list().ofMaxSize(12);
  }

  /**
   * Over random units of 0–3 appends (some also writing a row): {@code seq} is gapless from 1, each
   * {@code prev_hash} is the previous {@code hash} ({@link Hash#ZERO} first), each hash is {@link
   * AuditChain#computeHash}, each event carries its draft's fields in append order, {@link
   * AuditChain#verify} accepts the chain with the right count and head, {@code auditHead} is the last
   * event's head after every unit, and paging through {@code auditRange} gives the same events.
   */
  @Property(tries = 100)
  @Tag("A1")
  @Tag("A3")
  @Tag("A5")
  @Label("A1 A3 A5 appends form one gapless, linked chain that verifies")
  default void auditChain_isGaplessLinkedAndVerifies(
      @ForAll("auditUnits") List<List<AuditDraft>> units, @ForAll @IntRange(min = 1, max = 7) int pageSize) {
    try (Storage s = stores().open()) {
      List<AuditDraft> all = new ArrayList<>();
      for (int u = 0; u < units.size(); u++) {
        List<AuditDraft> unit = units.get(u);
        MetaRecord row = new MetaRecord("conformance.unit." + u, "u" + u);
        boolean writes = u % 2 == 0;
        s.execute(tx -> {
          if (writes) {
            tx.insert(Tables.META, row);
          }
          unit.forEach(tx::appendAudit);
          return null;
        });
        all.addAll(unit);
        Optional<AuditHead> head = s.auditHead();
        if (all.isEmpty()) {
          assertEquals(Optional.empty(), head, "head while the chain is empty");
        } else {
          assertEquals(all.size(), head.map(AuditHead::seq).orElse(0L), "head seq after unit " + u);
        }
      }
      List<AuditEvent> events = assertChain(s, all);
      List<AuditEvent> paged = new ArrayList<>();
      for (long from = 1; ; from += pageSize) {
        List<AuditEvent> page = s.auditRange(from, pageSize);
        if (page.isEmpty()) {
          break;
        }
        assertTrue(page.size() <= pageSize, "page larger than its limit");
        paged.addAll(page);
        if (paged.size() > events.size()) {
          break;
        }
      }
      assertEquals(events, paged, "auditRange pages");
    }
  }

  /**
   * The audit tree's perfect subtrees ({@link Storage#auditSubtree}) are those of the RFC 9162 tree
   * over the event hashes — whether the store keeps them or computes them — after every unit, and
   * empty for a subtree not yet complete. Stores that persist the nodes ({@code AuditTreeNodes}) are
   * held to the events here.
   */
  @Property(tries = 60)
  @Tag("A3")
  @Label("A3 the audit tree's subtrees are those of the events, complete ones only")
  default void auditSubtree_matchesTheEvents(@ForAll("auditUnits") List<List<AuditDraft>> units) {
    try (Storage s = stores().open()) {
      List<AuditDraft> all = new ArrayList<>();
      for (List<AuditDraft> unit : units) {
        s.execute(tx -> {
          unit.forEach(tx::appendAudit);
          return null;
        });
        all.addAll(unit);
        List<AuditEvent> events = s.auditRange(1, all.size());
        for (int level = 0; level <= 6; level++) {
          int width = 1 << level;
          for (long index = 0; index <= all.size() / width + 1; index++) {
            Optional<Hash> expected = Optional.empty();
            if ((index + 1) * width <= events.size()) {
              io.spaceduck.api.AuditTree.Frontier f = new io.spaceduck.api.AuditTree.Frontier();
              for (long i = index * width; i < (index + 1) * width; i++) {
                f.append(events.get((int) i).hash());
              }
              expected = Optional.of(f.root());
            }
            assertEquals(expected, s.auditSubtree(level, index), "subtree (" + level + ", " + index + ") of " + events.size());
          }
        }
      }
    }
  }

  /** Draft lists for the range and query properties. */
  @Provide
  default Arbitrary<List<AuditDraft>> auditDraftLists() {
    return StorageArbitraries.auditDrafts().list().ofMaxSize(30);
  }

  /** Start positions for {@code auditRange}: near the chain, and the extremes. */
  @Provide
  default Arbitrary<Long> fromSeqs() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.longs().between(-3, 35)),
        Tuple.of(1, Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, (long) Integer.MAX_VALUE + 2)));
  }

  /** Limits: small, and the largest. */
  @Provide
  default Arbitrary<Integer> limits() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.integers().between(0, 35)), Tuple.of(1, Arbitraries.just(Integer.MAX_VALUE)));
  }

  /**
   * {@code auditRange(fromSeq, limit)} is exactly the events with {@code seq >= fromSeq}, ascending,
   * at most {@code limit} of them — for any {@code fromSeq}, including values below 1 and the
   * extremes, and for any non-negative limit.
   */
  @Property(tries = 100)
  @Tag("A3")
  @Label("A3 auditRange returns exactly the contiguous slice from fromSeq")
  default void auditRange_returnsTheSlice(
      @ForAll("auditDraftLists") List<AuditDraft> drafts, @ForAll("fromSeqs") long fromSeq, @ForAll("limits") int limit) {
    try (Storage s = stores().open()) {
      s.execute(tx -> {
        drafts.forEach(tx::appendAudit);
        return null;
      });
      List<AuditEvent> all = assertChain(s, drafts);
      List<AuditEvent> expected =
          all.stream().filter(e -> e.seq() >= fromSeq).limit(limit).collect(Collectors.toList());
      assertEquals(expected, s.auditRange(fromSeq, limit), "auditRange(" + fromSeq + ", " + limit + ")");
    }
  }

  /** Audit filters over the draft pools. */
  @Provide
  default Arbitrary<AuditFilter> auditFilters() {
    return StorageArbitraries.auditFilters();
  }

  /**
   * {@code auditQuery} equals the reference {@link AuditFilter#matches} over all events in seq order:
   * every page is exactly the next {@code min(limit, remaining)} matches after {@code afterSeq}, and
   * paging with the last seen seq yields each matching event exactly once.
   */
  @Property(tries = 100)
  @Tag("A4")
  @Label("A4 auditQuery matches the reference filter; pages give each match exactly once")
  default void auditQuery_matchesReferenceAndPagesOnce(
      @ForAll("auditUnits") List<List<AuditDraft>> units,
      @ForAll("auditFilters") AuditFilter filter,
      @ForAll @IntRange(min = 1, max = 7) int pageSize,
      @ForAll("fromSeqs") long afterSeq) {
    try (Storage s = stores().open()) {
      units.forEach(unit -> s.execute(tx -> {
        unit.forEach(tx::appendAudit);
        return null;
      }));
      List<AuditEvent> all = s.auditRange(1, Integer.MAX_VALUE);
      List<AuditEvent> matching = all.stream().filter(filter::matches).collect(Collectors.toList());
      assertEquals(matching, s.auditQuery(filter, 0, Integer.MAX_VALUE), "auditQuery(filter, 0, max)");
      assertEquals(
          matching.stream().filter(e -> e.seq() > afterSeq).limit(pageSize).collect(Collectors.toList()),
          s.auditQuery(filter, afterSeq, pageSize),
          "auditQuery(filter, " + afterSeq + ", " + pageSize + ")");
      List<AuditEvent> paged = new ArrayList<>();
      long after = 0;
      for (int round = 0; round <= matching.size(); round++) {
        long a = after;
        List<AuditEvent> page = s.auditQuery(filter, after, pageSize);
        List<AuditEvent> expectedPage =
            matching.stream().filter(e -> e.seq() > a).limit(pageSize).collect(Collectors.toList());
        assertEquals(expectedPage, page, "page after seq " + after);
        if (page.isEmpty()) {
          break;
        }
        paged.addAll(page);
        after = page.get(page.size() - 1).seq();
      }
      assertEquals(matching, paged, "concatenated pages");
    }
  }
}
