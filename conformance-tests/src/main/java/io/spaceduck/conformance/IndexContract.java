package io.spaceduck.conformance;

import static io.spaceduck.conformance.ChainChecks.unitDraft;
import static io.spaceduck.conformance.RawRows.insert;
import static io.spaceduck.conformance.UniqueContacts.contact;
import static io.spaceduck.conformance.UniqueContacts.erased;
import static io.spaceduck.conformance.UniqueContacts.roleId;
import static io.spaceduck.conformance.UniqueContacts.v1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.spaceduck.api.DucklingId;
import io.spaceduck.conformance.RawRows.TxStep;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

/**
 * Indexes and uniqueness: the unique index {@link io.spaceduck.storage.Tables#CONTACTS_BY_BLIND_INDEX}
 * refuses a second contact with a taken blind index until the first is erased (H4, D1), and it judges
 * a unit on its end state: a value moved from one row to another, two rows swapping values, a value
 * released by a delete and taken by an insert — each in both listing orders — commit, although a store
 * checking write by write would see a duplicate in between (H4, CAS). Index reads of plain rows are
 * {@link UnitContract}'s; under concurrent moves, {@link ConcurrencyContract}'s. Implemented by {@link
 * StorageContract}; see {@link StorageConcern}.
 */
public interface IndexContract extends StorageConcern {
  /**
   * The unique index {@link Tables#CONTACTS_BY_BLIND_INDEX} refuses a second contact with a taken
   * blind index (also two in one unit), and accepts it once the first contact's blind index is erased
   * (D1) — in a later unit or in the same one.
   */
  @Property(tries = 100)
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 a unique blind index refuses a second contact until the first is erased")
  default void uniqueIndex_refusesDuplicateUntilErased(
      @ForAll("distinctDucklingIds") List<DucklingId> ids,
      @ForAll("blindIndexes") String blindIndex,
      @ForAll("emails") Bytes email1,
      @ForAll("emails") Bytes email2,
      @ForAll boolean eraseInSameUnit) {
    Index<ContactRecord> byBlind = Tables.CONTACTS_BY_BLIND_INDEX;
    ContactRecord first = new ContactRecord(ids.get(0), Optional.of(blindIndex), Optional.of(email1));
    ContactRecord second = new ContactRecord(ids.get(1), Optional.of(blindIndex), Optional.of(email2));
    ContactRecord third = new ContactRecord(ids.get(2), Optional.of(blindIndex), Optional.of(email2));
    try (Storage s = stores().open()) {
      assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
        tx.insert(Tables.CONTACTS, first);
        tx.insert(Tables.CONTACTS, second);
        return null;
      }), "two contacts with one blind index in one unit");
      assertEquals(List.of(), s.findBy(byBlind, blindIndex), "nothing of the refused unit");

      s.execute(tx -> {
        tx.insert(Tables.CONTACTS, first);
        return null;
      });
      assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
        tx.insert(Tables.CONTACTS, second);
        return null;
      }), "a second contact with a taken blind index");
      assertEquals(Optional.empty(), s.get(Tables.CONTACTS, second.duckling().value()), "refused contact stored");
      assertEquals(List.of(new Versioned<>(first, 1)), s.findBy(byBlind, blindIndex), "index after refusal");

      Versioned<ContactRecord> v1 = new Versioned<>(first, 1);
      ContactRecord erased = new ContactRecord(first.duckling(), Optional.empty(), Optional.empty());
      if (eraseInSameUnit) {
        s.execute(tx -> {
          tx.update(Tables.CONTACTS, v1, erased);
          tx.insert(Tables.CONTACTS, second);
          return null;
        });
      } else {
        s.execute(tx -> {
          tx.update(Tables.CONTACTS, v1, erased);
          return null;
        });
        assertEquals(List.of(), s.findBy(byBlind, blindIndex), "erased contact still indexed");
        s.execute(tx -> {
          tx.insert(Tables.CONTACTS, second);
          return null;
        });
      }
      assertEquals(Optional.of(new Versioned<>(erased, 2)), s.get(Tables.CONTACTS, first.duckling().value()), "erased");
      assertEquals(Optional.of(new Versioned<>(second, 1)), s.get(Tables.CONTACTS, second.duckling().value()), "second");
      assertEquals(List.of(new Versioned<>(second, 1)), s.findBy(byBlind, blindIndex), "index after erasure");
      assertThrows(StorageConflictException.class, () -> s.execute(tx -> {
        tx.insert(Tables.CONTACTS, third);
        return null;
      }), "the blind index is taken again by the second contact");
    }
  }

  /** Three distinct duckling ids. */
  @Provide
  default Arbitrary<List<DucklingId>> distinctDucklingIds() {
    return StorageArbitraries.ducklingIds().list().ofSize(3).uniqueElements();
  }

  /** Blind index values. */
  @Provide
  default Arbitrary<String> blindIndexes() {
    return StorageArbitraries.blindIndexes();
  }

  /** Encrypted emails. */
  @Provide
  default Arbitrary<Bytes> emails() {
    return StorageArbitraries.bytes();
  }

  /** Runs {@code unit} (plus one audit event) and fails the property if the store refuses it as a conflict. */
  private static void mustCommit(Storage s, String what, TxStep unit) {
    try {
      s.execute(tx -> {
        unit.run(tx);
        tx.appendAudit(unitDraft(what));
        return null;
      });
    } catch (StorageConflictException e) {
      fail(what + ": refused as a conflict although the unit's end state is valid (" + e.getMessage() + ")", e);
    }
  }

  /** A contact row's committed state. */
  private static Optional<Versioned<ContactRecord>> contactRow(Storage s, DucklingId id) {
    return s.get(Tables.CONTACTS, id.value());
  }

  /** The rows holding {@code blindIndex} are exactly {@code holders}. */
  private static void assertHolders(Storage s, String what, String blindIndex, List<Versioned<ContactRecord>> holders) {
    assertEquals(holders, s.findBy(Tables.CONTACTS_BY_BLIND_INDEX, blindIndex), what + ": rows holding " + blindIndex);
  }

  /**
   * A unit gives a contact's blind index to another contact and erases it from the first — valid at
   * the unit's end, though a store applying the writes one by one with an immediate unique check sees
   * a duplicate in between (the CI failure of issue 14). Both listing orders commit.
   */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS a unique value moved from one row to another in one unit commits, whichever write is listed first")
  default void uniqueValueMovedWithinOneUnit_commits() {
    for (boolean takeFirst : new boolean[] {true, false}) {
      String what = "move of bi-a from c to b, " + (takeFirst ? "take listed first" : "release listed first");
      DucklingId b = roleId('b', 0);
      DucklingId c = roleId('c', 0);
      try (Storage s = stores().open()) {
        mustCommit(s, "seed", tx -> {
          tx.insert(Tables.CONTACTS, erased(b));
          tx.insert(Tables.CONTACTS, contact(c, "bi-a"));
        });
        mustCommit(s, what, tx -> {
          TxStep take = t -> t.update(Tables.CONTACTS, v1(erased(b)), contact(b, "bi-a"));
          TxStep release = t -> t.update(Tables.CONTACTS, v1(contact(c, "bi-a")), erased(c));
          (takeFirst ? take : release).run(tx);
          (takeFirst ? release : take).run(tx);
        });
        assertEquals(Optional.of(new Versioned<>(contact(b, "bi-a"), 2)), contactRow(s, b), what + ": b");
        assertEquals(Optional.of(new Versioned<>(erased(c), 2)), contactRow(s, c), what + ": c");
        assertHolders(s, what, "bi-a", List.of(new Versioned<>(contact(b, "bi-a"), 2)));
      }
    }
  }

  /** Two contacts swap their blind indexes in one unit: a duplicate after either first write, unique at the end. */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS two rows swapping unique values in one unit commit")
  default void uniqueValuesSwappedWithinOneUnit_commit() {
    for (boolean bFirst : new boolean[] {true, false}) {
      String what = "swap of bi-a and bi-b, " + (bFirst ? "b listed first" : "c listed first");
      DucklingId b = roleId('b', 0);
      DucklingId c = roleId('c', 0);
      try (Storage s = stores().open()) {
        mustCommit(s, "seed", tx -> {
          tx.insert(Tables.CONTACTS, contact(b, "bi-a"));
          tx.insert(Tables.CONTACTS, contact(c, "bi-b"));
        });
        mustCommit(s, what, tx -> {
          TxStep moveB = t -> t.update(Tables.CONTACTS, v1(contact(b, "bi-a")), contact(b, "bi-b"));
          TxStep moveC = t -> t.update(Tables.CONTACTS, v1(contact(c, "bi-b")), contact(c, "bi-a"));
          (bFirst ? moveB : moveC).run(tx);
          (bFirst ? moveC : moveB).run(tx);
        });
        assertHolders(s, what, "bi-a", List.of(new Versioned<>(contact(c, "bi-a"), 2)));
        assertHolders(s, what, "bi-b", List.of(new Versioned<>(contact(b, "bi-b"), 2)));
      }
    }
  }

  /** A unit deletes the contact holding a blind index and inserts another contact with it, in either order. */
  @Example
  @Tag("H4")
  @Tag("CAS")
  @Label("H4 CAS a unique value released by a delete and taken by an insert in one unit commits, in either order")
  default void uniqueValueReleasedByDeleteTakenByInsertInOneUnit_commits() {
    for (boolean insertFirst : new boolean[] {true, false}) {
      String what = "delete c, insert d with its bi-a, " + (insertFirst ? "insert listed first" : "delete listed first");
      DucklingId c = roleId('c', 0);
      DucklingId d = roleId('d', 0);
      try (Storage s = stores().open()) {
        mustCommit(s, "seed", tx -> tx.insert(Tables.CONTACTS, contact(c, "bi-a")));
        mustCommit(s, what, tx -> {
          TxStep insert = t -> t.insert(Tables.CONTACTS, contact(d, "bi-a"));
          TxStep delete = t -> t.delete(Tables.CONTACTS, v1(contact(c, "bi-a")));
          (insertFirst ? insert : delete).run(tx);
          (insertFirst ? delete : insert).run(tx);
        });
        assertEquals(Optional.empty(), contactRow(s, c), what + ": c");
        assertHolders(s, what, "bi-a", List.of(v1(contact(d, "bi-a"))));
      }
    }
  }
}
