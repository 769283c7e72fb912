package io.spaceduck.conformance;

import static io.spaceduck.conformance.ChainChecks.unitDraft;
import static io.spaceduck.conformance.RawRows.insert;
import static io.spaceduck.conformance.UniqueContacts.BASE32;
import static io.spaceduck.conformance.UniqueContacts.contact;
import static io.spaceduck.conformance.UniqueContacts.erased;
import static io.spaceduck.conformance.UniqueContacts.roleId;
import static io.spaceduck.conformance.UniqueContacts.v1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditHead;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Example;
import net.jqwik.api.Label;
import net.jqwik.api.Tag;

/**
 * Serializability across units: a store may batch many units into one commit and apply a unit's writes
 * in any order, but the outcome of units submitted together must equal some serial order of them, each
 * unit judged on its end state. Each example submits {@link #PAIRS} independent pairs at once (the two
 * units of a pair hand their writes to the store at the same instant, so a group-committing store
 * batches them): a unique value moved from one contact to another, values swapped (by updates, or by
 * delete and insert), a value released by a delete and taken by an insert (H4, CAS), and two units that
 * each check what the other writes — key A revokes B while B revokes A — of which exactly one commits
 * (K4, CAS), and two units that only check one row, which both commit. Each pair's outcome and rows equal one of its serial orders; the chain holds one event per
 * committed unit. The examples always run (fixed inputs), on every backend. Implemented by {@link
 * StorageContract}; see {@link StorageConcern}.
 */
public interface SerializabilityContract extends StorageConcern {
  /** A committed row of any table, for comparing a pair's end state with a serial order's. */
  public record RowRef(Table<?> table, String key) {
    @Override
    public String toString() {
      return table.name() + "[" + key + "]";
    }
  }

  /** One unit of a pair (its writes; the kit adds one audit event), given the pair's number. */
  @FunctionalInterface
  public interface PairUnit {
    void run(Transaction tx, int pair);
  }

  /**
   * What one serial order of a pair's two units gives: whether each commits, and the pair's rows after
   * (empty: no row).
   */
  public record SerialOutcome(String order, boolean firstCommits, boolean secondCommits, Map<RowRef, Optional<Versioned<?>>> rows) {
    public SerialOutcome {
      rows = Map.copyOf(rows);
    }
  }

  /** How many independent pairs a cross-unit example submits at once, so a group-committing store batches pairs. */
  int PAIRS = 8;

  /**
   * Seeds {@link #PAIRS} pairs of rows, then runs both units of every pair at once on their own
   * threads — the two units of a pair hand their writes to the store at the same instant (each waits
   * for the other at the end of its body), so a store that batches units commits most pairs in one
   * batch. Each pair's outcome (who committed, who conflicted) and rows must equal one of the pair's
   * serial orders; the audit chain holds one event per committed unit.
   */
  private void runPairs(String what, PairUnit seed, PairUnit first, PairUnit second, java.util.function.IntFunction<List<SerialOutcome>> serial) {
    try (Storage s = stores().open()) {
      for (int p = 0; p < PAIRS; p++) {
        int pair = p;
        s.execute(tx -> {
          seed.run(tx, pair);
          return null;
        });
      }
      long headBefore = s.auditHead().map(AuditHead::seq).orElse(0L);
      List<Callable<Boolean>> tasks = new ArrayList<>();
      for (int p = 0; p < PAIRS; p++) {
        int pair = p;
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(2);
        for (PairUnit unit : List.of(first, second)) {
          String resource = what + " pair " + pair + (unit == first ? " first" : " second");
          tasks.add(() -> {
            try {
              s.execute(tx -> {
                unit.run(tx, pair);
                tx.appendAudit(unitDraft(resource));
                gate.countDown();
                try {
                  gate.await(10, TimeUnit.SECONDS); // only makes one batch likely; a store may run bodies one by one
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return null;
              });
              return true;
            } catch (StorageConflictException conflict) {
              return false;
            }
          });
        }
      }
      List<Boolean> committed = Concurrently.run(tasks, Concurrently.THREAD_TIMEOUT_SECONDS);
      long commits = committed.stream().filter(c -> c).count();
      for (int p = 0; p < PAIRS; p++) {
        boolean c1 = committed.get(2 * p);
        boolean c2 = committed.get(2 * p + 1);
        List<SerialOutcome> orders = serial.apply(p);
        Map<RowRef, Optional<Versioned<?>>> actual = new LinkedHashMap<>();
        for (RowRef r : orders.get(0).rows().keySet().stream().sorted(Comparator.comparing(RowRef::toString)).toList()) {
          actual.put(r, s.get(r.table(), r.key()).map(v -> (Versioned<?>) v));
        }
        boolean serializable =
            orders.stream().anyMatch(o -> o.firstCommits() == c1 && o.secondCommits() == c2 && o.rows().equals(actual));
        assertTrue(
            serializable,
            what + ", pair " + p + ": first " + (c1 ? "committed" : "conflicted") + ", second " + (c2 ? "committed" : "conflicted")
                + ", rows " + actual + " — no serial order of the two units gives this; the serial orders give " + orders);
      }
      assertEquals(headBefore + commits, s.auditHead().map(AuditHead::seq).orElse(0L), what + ": one audit event per committed unit");
    }
  }

  private static RowRef contactRef(DucklingId id) {
    return new RowRef(Tables.CONTACTS, id.value());
  }

  private static Map<RowRef, Optional<Versioned<?>>> rows(Object... refsAndRows) {
    Map<RowRef, Optional<Versioned<?>>> m = new HashMap<>();
    for (int i = 0; i < refsAndRows.length; i += 2) {
      @SuppressWarnings("unchecked")
      Optional<Versioned<?>> row = (Optional<Versioned<?>>) refsAndRows[i + 1];
      m.put((RowRef) refsAndRows[i], row);
    }
    return m;
  }

  private static Optional<Versioned<?>> row(Object value, long version) {
    return Optional.of(new Versioned<>(value, version));
  }

  private static String bi(String name, int pair) {
    return "bi-" + name + "-" + pair;
  }

  /**
   * Across two units submitted together: the first erases contact c's blind index, the second gives it
   * to contact b. After "first, second" both commit; after "second, first" the second conflicts (the
   * value was still taken). The second never commits alone.
   */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS a unique value moved across two units submitted together: the outcome is a serial order's")
  default void uniqueValueMovedAcrossTwoUnits_isSerializable() {
    runPairs(
        "move across two units",
        (tx, p) -> {
          tx.insert(Tables.CONTACTS, erased(roleId('b', p)));
          tx.insert(Tables.CONTACTS, contact(roleId('c', p), bi("a", p)));
        },
        (tx, p) -> tx.update(Tables.CONTACTS, v1(contact(roleId('c', p), bi("a", p))), erased(roleId('c', p))),
        (tx, p) -> tx.update(Tables.CONTACTS, v1(erased(roleId('b', p))), contact(roleId('b', p), bi("a", p))),
        p -> {
          RowRef b = contactRef(roleId('b', p));
          RowRef c = contactRef(roleId('c', p));
          return List.of(
              new SerialOutcome("first, second", true, true, rows(b, row(contact(roleId('b', p), bi("a", p)), 2), c, row(erased(roleId('c', p)), 2))),
              new SerialOutcome("second, first", true, false, rows(b, row(erased(roleId('b', p)), 1), c, row(erased(roleId('c', p)), 2))));
        });
  }

  /**
   * Two units submitted together each take the other's contact's blind index — by updates, or by
   * deleting its own contact and inserting a new one with the other's value. At the end of both, every
   * value is unique; but whichever runs first finds its value still taken, and then so does the other:
   * both conflict and nothing changes. A store that judges uniqueness only at the end of its batch
   * commits both.
   */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS two units swapping unique values, submitted together, both conflict as in every serial order")
  default void uniqueValuesSwappedAcrossTwoUnits_bothConflict() {
    runPairs(
        "swap across two units (updates)",
        (tx, p) -> {
          tx.insert(Tables.CONTACTS, contact(roleId('b', p), bi("a", p)));
          tx.insert(Tables.CONTACTS, contact(roleId('c', p), bi("b", p)));
        },
        (tx, p) -> tx.update(Tables.CONTACTS, v1(contact(roleId('b', p), bi("a", p))), contact(roleId('b', p), bi("b", p))),
        (tx, p) -> tx.update(Tables.CONTACTS, v1(contact(roleId('c', p), bi("b", p))), contact(roleId('c', p), bi("a", p))),
        p -> {
          Map<RowRef, Optional<Versioned<?>>> unchanged =
              rows(
                  contactRef(roleId('b', p)), row(contact(roleId('b', p), bi("a", p)), 1),
                  contactRef(roleId('c', p)), row(contact(roleId('c', p), bi("b", p)), 1));
          return List.of(new SerialOutcome("either order", false, false, unchanged));
        });
    runPairs(
        "swap across two units (delete and insert)",
        (tx, p) -> {
          tx.insert(Tables.CONTACTS, contact(roleId('b', p), bi("a", p)));
          tx.insert(Tables.CONTACTS, contact(roleId('c', p), bi("b", p)));
        },
        (tx, p) -> {
          tx.delete(Tables.CONTACTS, v1(contact(roleId('b', p), bi("a", p))));
          tx.insert(Tables.CONTACTS, contact(roleId('d', p), bi("b", p)));
        },
        (tx, p) -> {
          tx.delete(Tables.CONTACTS, v1(contact(roleId('c', p), bi("b", p))));
          tx.insert(Tables.CONTACTS, contact(roleId('e', p), bi("a", p)));
        },
        p -> {
          Map<RowRef, Optional<Versioned<?>>> unchanged =
              rows(
                  contactRef(roleId('b', p)), row(contact(roleId('b', p), bi("a", p)), 1),
                  contactRef(roleId('c', p)), row(contact(roleId('c', p), bi("b", p)), 1),
                  contactRef(roleId('d', p)), Optional.empty(),
                  contactRef(roleId('e', p)), Optional.empty());
          return List.of(new SerialOutcome("either order", false, false, unchanged));
        });
  }

  /**
   * Across two units submitted together: the first deletes contact c, the second inserts contact d
   * with c's blind index. After "first, second" both commit; after "second, first" the insert conflicts.
   */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS a unique value released by a delete and taken by an insert of another unit: the outcome is a serial order's")
  default void uniqueValueReleasedByDeleteTakenByInsertAcrossTwoUnits_isSerializable() {
    runPairs(
        "delete and insert across two units",
        (tx, p) -> tx.insert(Tables.CONTACTS, contact(roleId('c', p), bi("a", p))),
        (tx, p) -> tx.delete(Tables.CONTACTS, v1(contact(roleId('c', p), bi("a", p)))),
        (tx, p) -> tx.insert(Tables.CONTACTS, contact(roleId('d', p), bi("a", p))),
        p -> {
          RowRef c = contactRef(roleId('c', p));
          RowRef d = contactRef(roleId('d', p));
          return List.of(
              new SerialOutcome("first, second", true, true, rows(c, Optional.empty(), d, row(contact(roleId('d', p), bi("a", p)), 1))),
              new SerialOutcome("second, first", true, false, rows(c, Optional.empty(), d, Optional.empty())));
        });
  }


  private static KeyRecord liveKey(char role, int pair) {
    KeyId id = new KeyId(String.valueOf(role).repeat(14) + BASE32.charAt(pair / 32 % 32) + BASE32.charAt(pair % 32));
    return new KeyRecord(new KeyInfo(id, roleId('o', pair), Optional.empty(), StorageArbitraries.AUDIT_EPOCH, Optional.empty(), Optional.empty()), Bytes.of(new byte[] {9}));
  }

  /** {@code target} revoked by the owner of {@code by}. */
  private static KeyRecord revokedBy(KeyRecord target, KeyRecord by) {
    return new KeyRecord(target.info().revoked(new Revocation(by.info().owner(), StorageArbitraries.AUDIT_EPOCH, ReasonCode.COMPROMISED)), target.mac());
  }

  /**
   * Write skew: key A revokes key B on the condition that A is still live (a read condition on A),
   * while key B revokes key A on the condition that B is still live — submitted together. Each
   * condition holds before both, but in any serial order the second finds its own key revoked: exactly
   * one commits, the other conflicts, and the state is that order's. A store that checks every unit's
   * conditions of a batch before any of its writes commits both (K4).
   */
  @Example
  @Tag("K4")
  @Tag("CAS")
  @Label("K4 CAS two units that each check what the other writes, submitted together: exactly one commits")
  default void writeSkew_exactlyOneOfTwoCrossCheckingUnitsCommits() {
    runPairs(
        "key A revokes B while B revokes A",
        (tx, p) -> {
          tx.insert(Tables.KEYS, liveKey('a', p));
          tx.insert(Tables.KEYS, liveKey('b', p));
        },
        (tx, p) -> {
          tx.check(Tables.KEYS, v1(liveKey('a', p)));
          tx.update(Tables.KEYS, v1(liveKey('b', p)), revokedBy(liveKey('b', p), liveKey('a', p)));
        },
        (tx, p) -> {
          tx.check(Tables.KEYS, v1(liveKey('b', p)));
          tx.update(Tables.KEYS, v1(liveKey('a', p)), revokedBy(liveKey('a', p), liveKey('b', p)));
        },
        p -> {
          KeyRecord a = liveKey('a', p);
          KeyRecord b = liveKey('b', p);
          RowRef ra = new RowRef(Tables.KEYS, a.info().id().value());
          RowRef rb = new RowRef(Tables.KEYS, b.info().id().value());
          return List.of(
              new SerialOutcome("A first", true, false, rows(ra, row(a, 1), rb, row(revokedBy(b, a), 2))),
              new SerialOutcome("B first", false, true, rows(ra, row(revokedBy(a, b), 2), rb, row(b, 1))));
        });
  }

  /**
   * Two units that check one row without writing it — each inserting a row of its own — submitted
   * together: a check is a read condition, so both commit, in any batch. The engine's frame re-checks
   * the caller's key and identity rows in every governance action: a store on which two checkers
   * conflicted would make a host's parallel actions for one operator conflict with each other (issue
   * 19). A checker and a writer of one row do conflict: the write-skew example above.
   */
  @Example
  @Tag("CAS")
  @Label("CAS two units that check the same row, submitted together: both commit")
  default void sharedReadCondition_bothCheckersCommit() {
    runPairs(
        "two units check key A",
        (tx, p) -> tx.insert(Tables.KEYS, liveKey('a', p)),
        (tx, p) -> {
          tx.check(Tables.KEYS, v1(liveKey('a', p)));
          tx.insert(Tables.KEYS, liveKey('b', p));
        },
        (tx, p) -> {
          tx.check(Tables.KEYS, v1(liveKey('a', p)));
          tx.insert(Tables.KEYS, liveKey('c', p));
        },
        p -> {
          KeyRecord a = liveKey('a', p);
          KeyRecord b = liveKey('b', p);
          KeyRecord c = liveKey('c', p);
          return List.of(
              new SerialOutcome("either order", true, true,
                  rows(new RowRef(Tables.KEYS, a.info().id().value()), row(a, 1),
                      new RowRef(Tables.KEYS, b.info().id().value()), row(b, 1),
                      new RowRef(Tables.KEYS, c.info().id().value()), row(c, 1))));
        });
  }
}
