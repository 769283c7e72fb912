package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Storages;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * D1 end to end: a deletion request erases the contact (so the email may hatch again), marks the
 * duckling deleted, revokes its keys and bonds with their keys, and closes its agents' pecks — in
 * one audited unit; certificates and audit events stay. Only the duckling itself or an admin may ask.
 */
class DeletionTest {

  private static long head(TestEngine t) {
    return t.storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  private static List<AuditEvent> since(TestEngine t, long seq) {
    return t.storage.auditRange(seq + 1, 10_000);
  }

  private static ContactRecord contact(TestEngine t, DucklingId id) {
    return t.storage.get(Tables.CONTACTS, id.value()).map(Versioned::value).orElseThrow(() -> new AssertionError("no contact record"));
  }

  private static Peck active(TestEngine t, BondResult from, BondResult target, BeakKey targetOperator) {
    Peck p = t.engine.pecks().request(from.key().key(), PeckRequest.of(target.certificate().id(), Set.of("chat:read"), Duration.ofHours(1)));
    t.engine.pecks().accept(target.key().key(), p.id());
    return t.engine.pecks().approve(targetOperator, p.id());
  }

  @Test
  @Tag("D1")
  @Tag("I3")
  @Tag("I4")
  @Tag("I5")
  @Tag("C3")
  void selfDeletion_erasesTheContact_revokesEveryKeyAndBond_closesPecks_keepsCertificatesAndAudit() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      String email = "olive.operator@example.org";
      HatchResult olive = t.hatch("Olive", email);
      DucklingId oliveId = olive.duckling().id();
      BirthCertificate promoted = t.engine.identities().promote(admin, oliveId, Tier.T2);
      BeakKey oliveFirst = olive.key().key();
      IssuedKey oliveSecond = t.engine.keys().rotate(oliveFirst, olive.key().info().id()); // first key in grace
      BeakKey oliveKey = oliveSecond.key();
      BondResult scout = t.bond(oliveKey, "Scout", Tier.T1);
      BondResult egg = t.bond(oliveKey, "Egg", Tier.T0);
      IssuedKey scoutSecond = t.engine.keys().rotate(oliveKey, scout.key().info().id()); // scout's first key in grace

      BeakKey otto = t.operator(admin, "Otto");
      BondResult peer = t.bond(otto, "Peer", Tier.T1);
      Peck outgoing = active(t, scout, peer, otto);
      Peck incoming = t.engine.pecks().request(peer.key().key(), PeckRequest.of(scout.certificate().id(), Set.of("x"), Duration.ofHours(2)));
      IssuedSession scoutSession = t.engine.pecks().session(scoutSecond.key(), outgoing.id());
      IssuedSession peerSession = t.engine.pecks().session(peer.key().key(), outgoing.id());
      t.engine.pecks().verifySession(peerSession.token());

      List<BeakKey> everyKey = List.of(oliveFirst, oliveKey, scout.key().key(), scoutSecond.key(), egg.key().key());
      for (BeakKey k : everyKey) {
        t.engine.authenticate(k); // all five work before
      }
      ContactRecord before = contact(t, oliveId);
      assertTrue(before.blindIndex().isPresent() && before.encryptedEmail().isPresent(), "a live contact before");
      assertThrows(Rejected.class, () -> t.hatch("Olive again", email), "H4: the email is taken before the deletion");

      long seq = head(t);
      t.clock.advance(Duration.ofMinutes(1)); // the grace keys are still in grace
      Duckling deleted = t.engine.identities().requestDeletion(oliveKey, oliveId, ReasonCode.DELETION_REQUEST);
      assertEquals(IdentityStatus.DELETED, deleted.status());
      assertEquals(oliveId, deleted.id());

      // the contact is a tombstone: no email, no blind index
      ContactRecord after = contact(t, oliveId);
      assertEquals(new ContactRecord(oliveId, Optional.empty(), Optional.empty()), after);
      assertTrue(after.erased());
      assertEquals(IdentityStatus.DELETED, t.engine.identities().get(admin, oliveId).status());

      // every key of the duckling and of its agents fails, with the plain authentication failure
      for (BeakKey k : everyKey) {
        assertThrows(Unauthenticated.class, () -> t.engine.authenticate(k));
        assertThrows(Unauthenticated.class, () -> t.engine.certificates().get(k, promoted.id()));
      }
      for (var owner : List.of(oliveId, scout.agent().id(), egg.agent().id())) {
        for (KeyInfo k : t.engine.keys().list(admin, owner)) {
          assertEquals(Optional.of(ReasonCode.DELETION_REQUEST), k.revocation().map(r -> r.reason()), "key " + k.id() + " revoked");
        }
      }
      for (BondResult b : List.of(scout, egg)) {
        Bond bond = t.engine.bonds().get(admin, b.bond().id());
        assertEquals(BondStatus.REVOKED, bond.status());
        assertEquals(oliveId, bond.revocation().orElseThrow().by());
      }

      // its agents' pecks are closed and their sessions fail at once, on both sides
      for (Peck p : List.of(outgoing, incoming)) {
        Peck now = t.engine.pecks().get(admin, p.id());
        assertEquals(PeckState.CLOSED, now.state());
        assertEquals(Optional.of(ReasonCode.IDENTITY_DELETED), now.reason());
      }
      assertThrows(Unauthenticated.class, () -> t.engine.pecks().verifySession(scoutSession.token()));
      assertThrows(Unauthenticated.class, () -> t.engine.pecks().verifySession(peerSession.token()));

      // certificates stay retrievable by others and still verify offline
      for (BirthCertificate c : List.of(olive.certificate(), promoted, scout.certificate(), egg.certificate())) {
        assertEquals(c, t.engine.certificates().get(otto, c.id()).certificate());
        assertEquals(c, t.engine.certificates().verify(c.jws()));
      }
      assertEquals(2, t.engine.certificates().history(otto, oliveId).size(), "the superseded one too");

      // one audit event, with the cascade's counts; the chain stays intact and nothing older changed
      List<AuditEvent> events = since(t, seq);
      assertEquals(1, events.size(), events.toString());
      AuditEvent e = events.get(0);
      assertEquals(AuditAction.IDENTITY_DELETED.code(), e.action());
      assertEquals(AuditOutcome.SUCCESS, e.outcome());
      assertEquals(oliveId.value(), e.actor());
      assertEquals(oliveId.value(), e.resource());
      assertEquals(ReasonCode.DELETION_REQUEST, e.reason());
      assertEquals("5", e.details().get("keys_revoked"), e.details().toString());
      assertEquals("2", e.details().get("bonds_revoked"), e.details().toString());
      assertEquals("2", e.details().get("pecks_closed"), e.details().toString());
      assertTrue(t.engine.audit().verify(admin).valid());
      assertEquals(seq + 1, t.engine.audit().verify(admin).eventsVerified());
      assertTrue(
          t.storage.auditRange(1, 10_000).stream().anyMatch(x -> x.action().equals(AuditAction.HATCH_COMPLETED.code()) && x.actor().equals(oliveId.value())),
          "the duckling's earlier events stay");
    }
  }

  @Test
  @Tag("D1")
  @Tag("H4")
  void afterDeletion_theSameEmailCanHatchAgain_asANewDuckling() {
    try (TestEngine t = new TestEngine()) {
      t.bootstrap();
      String email = "rehatch.me@example.org";
      HatchResult first = t.hatch("First life", email);
      assertThrows(Rejected.class, () -> t.hatch("Twin", email), "taken while the first duckling lives");

      t.engine.identities().requestDeletion(first.key().key(), first.duckling().id(), ReasonCode.DELETION_REQUEST);
      HatchResult second = t.hatch("Second life", "  REHATCH.me@Example.org "); // the normalised address
      assertNotEquals(first.duckling().id(), second.duckling().id());
      assertEquals(Tier.T1, second.duckling().tier());
      assertEquals(IdentityStatus.ACTIVE, second.duckling().status());
      assertTrue(contact(t, second.duckling().id()).blindIndex().isPresent());
      assertTrue(contact(t, first.duckling().id()).erased(), "the old tombstone stays erased");
      assertThrows(Rejected.class, () -> t.hatch("Third", email), "taken again by the second duckling");
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(first.key().key()), "the first life's key stays dead");
    }
  }

  @Test
  @Tag("D1")
  @Tag("A1")
  @Tag("I4")
  void onlyTheDucklingOrAnAdmin_mayDelete_othersAreForbiddenAndAudited() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult alice = t.hatch("Alice");
      HatchResult dora = t.hatch("Dora");
      BeakKey operator = t.operator(admin, "Otto");
      BondResult agent = t.bond(operator, "Scout", Tier.T1);
      DucklingId aliceId = alice.duckling().id();
      ContactRecord contactBefore = contact(t, aliceId);

      List<BeakKey> strangers = List.of(dora.key().key(), operator, agent.key().key());
      for (BeakKey stranger : strangers) {
        String actor = t.engine.authenticate(stranger).id().value();
        long seq = head(t);
        assertThrows(Forbidden.class, () -> t.engine.identities().requestDeletion(stranger, aliceId, ReasonCode.DELETION_REQUEST));
        List<AuditEvent> events = since(t, seq);
        assertEquals(1, events.size());
        assertEquals(AuditAction.IDENTITY_DELETED.code(), events.get(0).action());
        assertEquals(AuditOutcome.DENIED, events.get(0).outcome());
        assertEquals(actor, events.get(0).actor());
        assertEquals(aliceId.value(), events.get(0).resource());
      }
      assertEquals(IdentityStatus.ACTIVE, t.engine.identities().get(admin, aliceId).status());
      assertEquals(contactBefore, contact(t, aliceId), "the contact is untouched");
      assertEquals(aliceId, t.engine.authenticate(alice.key().key()).id());

      assertEquals(BondStatus.ACTIVE, t.engine.bonds().get(admin, agent.bond().id()).status(), "refused attempts revoke nothing");
    }
  }

  @Test
  @Tag("D1")
  @Tag("A1")
  void anAdmin_mayDeleteAnyone_butDeletingTwiceConflicts() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      String adminId = t.engine.authenticate(admin).id().value();
      HatchResult alice = t.hatch("Alice");
      DucklingId aliceId = alice.duckling().id();

      long seq = head(t);
      Duckling deleted = t.engine.identities().requestDeletion(admin, aliceId, ReasonCode.POLICY_VIOLATION);
      assertEquals(IdentityStatus.DELETED, deleted.status());
      List<AuditEvent> events = since(t, seq);
      assertEquals(1, events.size());
      assertEquals(adminId, events.get(0).actor());
      assertEquals(ReasonCode.POLICY_VIOLATION, events.get(0).reason());
      assertEquals("1", events.get(0).details().get("keys_revoked"));
      assertEquals("0", events.get(0).details().get("bonds_revoked"));
      assertFalse(events.get(0).details().containsKey("pecks_closed"));
      assertTrue(contact(t, aliceId).erased());
      assertThrows(Unauthenticated.class, () -> t.engine.authenticate(alice.key().key()));

      long again = head(t);
      assertThrows(Conflict.class, () -> t.engine.identities().requestDeletion(admin, aliceId, ReasonCode.POLICY_VIOLATION));
      assertEquals(List.of(), since(t, again), "a conflict leaves no event");
      assertThrows(Unauthenticated.class, () -> t.engine.identities().requestDeletion(alice.key().key(), aliceId, ReasonCode.NONE),
          "the deleted duckling's own key no longer works");
      assertThrows(NotFound.class, () -> t.engine.identities().requestDeletion(admin, new DucklingId("dk_" + "z".repeat(26)), ReasonCode.NONE));

      List<AuditEvent> deletions = new ArrayList<>();
      for (AuditEvent e : t.storage.auditRange(1, 10_000)) {
        if (e.action().equals(AuditAction.IDENTITY_DELETED.code()) && e.resource().equals(aliceId.value())) {
          deletions.add(e);
        }
      }
      assertEquals(1, deletions.size(), "exactly one identity.deleted event for the duckling");
      assertTrue(t.engine.audit().verify(admin).valid());
    }
  }

  // ------------------------------------------------------------------ a bond racing the deletion

  /**
   * A store that runs {@code hook} once, inside the first unit that looks up bonds by operator, just
   * after that lookup — so another unit commits between the deletion's read of the bonds and its
   * commit, deterministically and on one thread.
   */
  private static Storage interleaving(Storage delegate, AtomicReference<Runnable> hook) {
    return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class}, (p, m, args) -> {
      if (m.getName().equals("execute") && args[0] instanceof UnitOfWork<?> unit) {
        UnitOfWork<Object> wrapped = tx -> unit.run(intercepting(tx, hook));
        args = new Object[] {wrapped};
      }
      try {
        return m.invoke(delegate, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    });
  }

  private static Transaction intercepting(Transaction tx, AtomicReference<Runnable> hook) {
    return (Transaction) Proxy.newProxyInstance(Transaction.class.getClassLoader(), new Class<?>[] {Transaction.class}, (p, m, args) -> {
      Object result;
      try {
        result = m.invoke(tx, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (m.getName().equals("findBy") && args[0] == (Index<?>) Tables.BONDS_BY_OPERATOR) {
        Runnable r = hook.getAndSet(null);
        if (r != null) {
          r.run(); // another unit commits after this unit's read
        }
      }
      return result;
    });
  }

  /**
   * D1 on the in-memory store and on MapDB (a file of the test's own): the bond commits between the
   * deletion's read of the operator's bonds and its commit. The deletion wrote the operator's bond
   * fence before that read, the bond wrote it after: the deletion conflicts, re-runs and revokes both.
   */
  @ParameterizedTest
  @ValueSource(strings = {"memory", "mapdb"})
  @Tag("D1")
  @Tag("I3")
  void aBondCommittedWhileTheDeletionRuns_isRevokedToo_noAgentOutlivesItsOperator(String kind, @TempDir Path dir) {
    AtomicReference<Runnable> hook = new AtomicReference<>();
    Storage base = kind.equals("memory") ? new InMemoryStorage() : Storages.open("mapdb:" + dir.resolve("store.db"), Map.of());
    Storage store = interleaving(base, hook);
    try (TestEngine t = new TestEngine(store, TestEngine.newKek(), b -> {})) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey olive = t.operator(admin, "Olive");
      DucklingId oliveId = (DucklingId) t.engine.authenticate(olive).id();
      BondResult early = t.bond(olive, "Early", Tier.T1);
      AtomicReference<BondResult> late = new AtomicReference<>();
      hook.set(() -> late.set(t.bond(olive, "Late", Tier.T1))); // commits inside the deletion's window

      t.engine.identities().requestDeletion(admin, oliveId, ReasonCode.DELETION_REQUEST);

      assertTrue(late.get() != null, "the racing bond committed");
      assertEquals(IdentityStatus.DELETED, t.engine.identities().get(admin, oliveId).status());
      for (BondResult b : List.of(early, late.get())) {
        assertEquals(BondStatus.REVOKED, t.engine.bonds().get(admin, b.bond().id()).status(), b.agent().displayName() + "'s bond");
        assertThrows(Unauthenticated.class, () -> t.engine.authenticate(b.key().key()), b.agent().displayName() + "'s key");
      }
      AuditEvent deletion =
          t.storage.auditRange(1, 10_000).stream().filter(e -> e.action().equals(AuditAction.IDENTITY_DELETED.code())).findFirst().orElseThrow();
      assertEquals("2", deletion.details().get("bonds_revoked"), deletion.details().toString());
      assertTrue(t.engine.audit().verify(admin).valid());
    }
  }
}
