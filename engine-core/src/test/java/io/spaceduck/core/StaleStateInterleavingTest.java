package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 item 6: a unit that acts on rows it read must still find them so at commit (a read
 * condition), else a concurrent change slips between its read and its commit. The interleavings are
 * deterministic: {@link Interleaving} runs another engine call inside the unit under test, right
 * after the unit read the row, before it commits — exactly the schedule two threads could produce.
 */
class StaleStateInterleavingTest {

  /** Runs a hook once, inside the next unit that reads a given row, just after that read. */
  static final class Interleaving extends ForwardingStorage {
    private Table<?> table;
    private String key;
    private Runnable hook;

    Interleaving(Storage delegate) {
      super(delegate);
    }

    synchronized void after(Table<?> table, String key, Runnable hook) {
      this.table = table;
      this.key = key;
      this.hook = hook;
    }

    synchronized boolean fired() {
      return hook == null;
    }

    private synchronized Runnable take(Table<?> t, String k) {
      if (hook == null || t != table || !k.equals(key)) {
        return null;
      }
      Runnable h = hook;
      hook = null;
      return h;
    }

    @Override
    public <T> T execute(UnitOfWork<T> unit) {
      return delegate.execute(tx -> unit.run(new ForwardingTransaction(tx) {
        @Override
        public <V> Optional<Versioned<V>> get(Table<V> t, String k) {
          Optional<Versioned<V>> read = super.get(t, k);
          Runnable h = take(t, k);
          if (h != null) {
            h.run(); // another caller's unit commits now, between this unit's read and its commit
          }
          return read;
        }
      }));
    }
  }

  private static List<KeyInfo> keys(TestEngine t, BeakKey reader, BondResult agent) {
    return t.engine.keys().list(reader, agent.agent().id());
  }

  private static AuditEvent last(TestEngine t) {
    long head = t.storage.auditHead().orElseThrow().seq();
    return t.storage.auditRange(head, 1).get(0);
  }

  @Test
  @Tag("K5")
  @Tag("B2")
  void replace_bondRevokedBetweenItsReadAndCommit_issuesNoKeyOnTheRevokedBond() {
    Interleaving store = new Interleaving(new InMemoryStorage());
    try (TestEngine t = new TestEngine(store, TestEngine.newKek(), b -> {})) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey olive = t.operator(admin, "Olive");
      BondResult scout = t.bond(olive, "Scout", Tier.T1);
      // the compromised key is revoked already, so the replacement writes no row the revocation touches
      t.engine.keys().revoke(olive, scout.key().info().id(), ReasonCode.COMPROMISED);
      store.after(Tables.BONDS, scout.bond().id().value(),
          () -> t.engine.bonds().revoke(olive, scout.bond().id(), ReasonCode.NO_LONGER_NEEDED));

      Conflict refused =
          assertThrows(Conflict.class, () -> t.engine.keys().replace(admin, scout.key().info().id(), ReasonCode.COMPROMISED));

      assertTrue(store.fired(), "the bond was revoked inside the replacement's unit");
      assertEquals("the key's bond is revoked", refused.getMessage(), "re-run, the unit sees the revocation (B2)");
      assertTrue(keys(t, admin, scout).stream().allMatch(k -> k.statusAt(t.clock.instant()) == KeyStatus.REVOKED),
          "K5/B2: no usable key on a revoked bond: " + keys(t, admin, scout));
      assertEquals(AuditAction.BOND_REVOKED.code(), last(t).action(), "no replacement was audited after the revocation");
    }
  }

  @Test
  @Tag("K5")
  void replace_ownerBlockedBetweenItsReadAndCommit_issuesNoKeyToTheBlockedAgent() {
    Interleaving store = new Interleaving(new InMemoryStorage());
    try (TestEngine t = new TestEngine(store, TestEngine.newKek(), b -> {})) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey olive = t.operator(admin, "Olive");
      BondResult scout = t.bond(olive, "Scout", Tier.T1);
      store.after(Tables.BONDS, scout.bond().id().value(),
          () -> t.engine.blocks().blockPlatformWide(admin, scout.agent().id(), ReasonCode.POLICY_VIOLATION));

      Conflict refused =
          assertThrows(Conflict.class, () -> t.engine.keys().replace(admin, scout.key().info().id(), ReasonCode.COMPROMISED));

      assertTrue(store.fired());
      assertEquals("the key's identity is not active", refused.getMessage());
      assertEquals(1, keys(t, admin, scout).size(), "no key was issued to the blocked agent");
      assertFalse(keys(t, admin, scout).get(0).revocation().isPresent(), "and nothing of the replacement applied");
      assertEquals(AuditAction.IDENTITY_BLOCKED.code(), last(t).action());
    }
  }

  /**
   * P2 at an automatic approval (T3 standing rule): the request named the target's T2 certificate;
   * the operator then promoted the target to T3 (a new certificate supersedes the named one) and added
   * a standing rule. A human approval refuses the stale certificate; the rule must not approve it
   * either. (Inside the approving unit the target's row is a read condition, so a promotion landing
   * between its read and its commit makes the unit conflict and leaves the peck for a human.)
   */
  @Test
  @Tag("P2")
  @Tag("P4")
  void autoApproval_ofARequestNamingASupersededCertificate_isLeftToAHuman() {
    try (TestEngine t = new TestEngine(TestEngine.t3())) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey olive = t.operator(admin, "Olive");
      BeakKey otto = t.operator(admin, "Otto");
      BondResult asker = t.bond(olive, "Asker", Tier.T1);
      BondResult target = t.bond(otto, "Target", Tier.T2);
      Set<String> scope = Set.of("chat:read");
      Peck requested =
          t.engine.pecks().request(asker.key().key(), PeckRequest.of(target.certificate().id(), scope, Duration.ofHours(1)));
      t.engine.identities().promote(otto, target.agent().id(), Tier.T3); // supersedes the named certificate
      t.engine.pecks().addStandingRule(otto, (AgentId) target.agent().id(), scope, Duration.ofHours(2));

      Peck accepted = t.engine.pecks().accept(target.key().key(), requested.id());

      assertEquals(PeckState.ACCEPTED, accepted.state(), "P2: no automatic approval of a superseded certificate");
      assertEquals(PeckState.ACCEPTED, t.engine.pecks().get(otto, requested.id()).state());
      assertThrows(Conflict.class, () -> t.engine.pecks().approve(otto, requested.id()), "as a human approval refuses it");
    }
  }
}
