package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Hash;
import io.spaceduck.api.InclusionProof;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.SignedNote;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unavailable;
import io.spaceduck.api.spi.CheckpointKeeper;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.KeysetRecord;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log made transparent (issue 20): signed checkpoints that verify offline, inclusion and
 * consistency proofs, who may ask for them (A4), key rotation, the checkpoint keeper checked on open
 * and by {@code verify}, and the tamper scenarios — a truncated store with its head rewound, a history
 * rewritten and re-signed, a fork shown to two witnesses — each refused with a message that says so.
 */
@Tag("A3")
class TransparencyTest {
  private static final String ORIGIN = "audit.example.org/duck";

  @TempDir Path tmp;

  private static TestEngine engine(Storage storage, KekSource kek, CheckpointKeeper keeper) {
    return new TestEngine(storage, kek, b -> b.checkpointOrigin(ORIGIN).checkpointKeeper(keeper));
  }

  /** Closes the engine only: the store lives on for the next engine of the scenario. */
  private record Open(TestEngine t) implements AutoCloseable {
    @Override
    public void close() {
      t.engine.close();
    }
  }

  @Test
  void checkpointsAndProofsVerifyOfflineWithTheVerifierKeys() {
    try (TestEngine t = new TestEngine(b -> b.checkpointOrigin(ORIGIN))) {
      Cast cast = Cast.hatch(t);
      BeakKey admin = cast.admin().key().key();
      SignedCheckpoint first = t.engine.audit().checkpoint(admin);
      t.bond(cast.olive().key().key(), "scout", Tier.T1);
      SignedCheckpoint second = t.engine.audit().checkpoint(admin);

      OfflineAuditVerifier v = OfflineAuditVerifier.forVerifierKeys(t.engine.audit().verifierKeys());
      assertEquals(second, v.verifyCheckpoint(second.note().format()));
      assertEquals(ORIGIN, second.checkpoint().origin());
      long size = second.checkpoint().size();
      assertEquals(t.storage.auditHead().orElseThrow().seq(), size);
      assertTrue(second.note().format().contains("\n\n\u2014 " + ORIGIN + " "), second.note().format());

      for (long seq = 1; seq <= size; seq++) {
        v.verifyInclusion(second, t.engine.audit().inclusionProof(admin, seq, size));
      }
      ConsistencyProof c = t.engine.audit().consistencyProof(admin, first.checkpoint().size(), size);
      v.verifyConsistency(first, second, c);

      // a proof for another event or size does not pass as this one
      InclusionProof p = t.engine.audit().inclusionProof(admin, 2, size);
      InclusionProof wrongEvent = new InclusionProof(2, size, t.storage.auditRange(3, 1).get(0).hash(), p.path());
      assertThrows(InvalidInput.class, () -> v.verifyInclusion(second, wrongEvent));
      assertThrows(InvalidInput.class, () -> v.verifyInclusion(first, p));
      assertThrows(InvalidInput.class, () -> v.verifyConsistency(second, first, c));
    }
  }

  @Test
  void aChangedCheckpointOrAnotherKeyIsRefusedOffline() {
    try (TestEngine t = new TestEngine(b -> b.checkpointOrigin(ORIGIN)); TestEngine other = new TestEngine(b -> b.checkpointOrigin(ORIGIN))) {
      BeakKey admin = t.bootstrap().key().key();
      SignedCheckpoint cp = t.engine.audit().checkpoint(admin);
      OfflineAuditVerifier v = OfflineAuditVerifier.forVerifierKeys(t.engine.audit().verifierKeys());
      String text = cp.note().format();
      InvalidInput changed = assertThrows(InvalidInput.class, () -> v.verifyCheckpoint(text.replaceFirst("\n1\n", "\n2\n")));
      assertTrue(changed.getMessage().contains("not signed by a trusted key"), changed.getMessage());
      OfflineAuditVerifier others = OfflineAuditVerifier.forVerifierKeys(other.engine.audit().verifierKeys());
      assertThrows(InvalidInput.class, () -> others.verifyCheckpoint(text));
      assertThrows(InvalidInput.class, () -> v.verifyCheckpoint("not a note"));
    }
  }

  @Test
  @Tag("A4")
  void whoMayAskForCheckpointsAndProofs() {
    try (TestEngine t = new TestEngine()) {
      Cast cast = Cast.hatch(t);
      BeakKey admin = cast.admin().key().key();
      BeakKey olive = cast.olive().key().key();
      t.bond(olive, "scout", Tier.T1);
      long size = t.engine.audit().checkpoint(olive).checkpoint().size();
      assertThrows(Forbidden.class, () -> t.engine.audit().checkpoint(cast.dora().key().key()));
      assertThrows(Forbidden.class, () -> t.engine.audit().consistencyProof(cast.dora().key().key(), 1, size));
      t.engine.audit().consistencyProof(olive, 1, size);
      // an operator proves the events of its own governance, and no other
      AuditFilter oliveSees = new AuditFilter(Optional.of(cast.olive().duckling().id().value()), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty());
      int own = 0;
      int others = 0;
      for (AuditEvent e : t.storage.auditRange(1, (int) size)) {
        if (oliveSees.matches(e)) {
          assertEquals(e.hash(), t.engine.audit().inclusionProof(olive, e.seq(), size).eventHash());
          own++;
        } else {
          assertThrows(NotFound.class, () -> t.engine.audit().inclusionProof(olive, e.seq(), size));
          t.engine.audit().inclusionProof(admin, e.seq(), size);
          others++;
        }
      }
      assertTrue(own > 0 && others > 0, own + " " + others);
      assertThrows(InvalidInput.class, () -> t.engine.audit().inclusionProof(admin, 1, size + 1));
      assertThrows(InvalidInput.class, () -> t.engine.audit().inclusionProof(admin, 0, size));
      assertThrows(InvalidInput.class, () -> t.engine.audit().consistencyProof(admin, 2, 1));
    }
  }

  @Test
  void rotationSignsWithTheNewKeyAndOldCheckpointsStillVerify() {
    CheckpointKeeper keeper = CheckpointKeeper.inMemory();
    Storage store = new InMemoryStorage();
    KekSource kek = TestEngine.newKek();
    try (Open o = new Open(engine(store, kek, keeper))) {
      TestEngine t = o.t;
      BeakKey admin = t.bootstrap().key().key();
      SignedCheckpoint before = t.engine.audit().checkpoint(admin);
      List<String> keysBefore = t.engine.audit().verifierKeys();
      String vkey = t.engine.audit().rotateCheckpointKey(admin);
      List<String> keysAfter = t.engine.audit().verifierKeys();
      assertEquals(vkey, keysAfter.get(0));
      assertEquals(keysBefore.get(0), keysAfter.get(1));
      SignedCheckpoint after = t.engine.audit().checkpoint(admin);
      assertThrows(InvalidInput.class, () -> OfflineAuditVerifier.forVerifierKeys(keysBefore).verifyCheckpoint(after.note().format()));
      OfflineAuditVerifier v = OfflineAuditVerifier.forVerifierKeys(keysAfter);
      v.verifyCheckpoint(before.note().format());
      v.verifyCheckpoint(after.note().format());
      AuditEvent rotated = t.engine.audit().read(admin, AuditQuery.all().withAction(AuditAction.CHECKPOINT_KEY_ROTATED.code()))
          .events().get(0);
      assertTrue(vkey.contains("+" + rotated.details().get("key_id") + "+"), vkey);
      assertThrows(Forbidden.class, () -> t.engine.audit().rotateCheckpointKey(t.hatch("T1").key().key()));
    }
  }

  @Test
  void theKeeperHoldsTheNewestCheckpointAndAReopenAcceptsAGrownStore() {
    CheckpointKeeper keeper = CheckpointKeeper.file(tmp.resolve("store.checkpoint"));
    Storage store = new InMemoryStorage();
    KekSource kek = TestEngine.newKek();
    BeakKey admin;
    try (Open o = new Open(engine(store, kek, keeper))) {
      TestEngine t = o.t;
      admin = t.bootstrap().key().key();
      assertEquals(1, SignedCheckpoint.parse(keeper.load().orElseThrow()).checkpoint().size() + 1); // kept at open (size 0)
      t.engine.audit().checkpoint(admin);
      assertEquals(1, SignedCheckpoint.parse(keeper.load().orElseThrow()).checkpoint().size());
      t.hatch("more");
    }
    // close kept the newest: 2 events (admin bootstrapped, hatch completed)
    assertEquals(2, SignedCheckpoint.parse(keeper.load().orElseThrow()).checkpoint().size());
    try (Open o = new Open(engine(store, kek, keeper))) {
      TestEngine t = o.t;
      AuditVerification v = t.engine.audit().verify(admin);
      assertTrue(v.valid(), v.toString());
    }
  }

  /** The store's newest {@code drop} events hidden and its head rewound: what deleting them would leave. */
  static final class Truncated extends ForwardingStorage {
    volatile long keep;

    Truncated(Storage delegate, long keep) {
      super(delegate);
      this.keep = keep;
    }

    @Override
    public Optional<AuditHead> auditHead() {
      Optional<AuditHead> real = delegate.auditHead();
      if (real.isEmpty() || real.get().seq() <= keep) {
        return real;
      }
      return keep == 0 ? Optional.empty() : Optional.of(delegate.auditRange(keep, 1).get(0).head());
    }

    @Override
    public List<AuditEvent> auditRange(long fromSeq, int limit) {
      return delegate.auditRange(fromSeq, limit).stream().filter(e -> e.seq() <= keep).toList();
    }

    @Override
    public Optional<Hash> auditSubtree(int level, long index) {
      return (index + 1) << level <= keep ? delegate.auditSubtree(level, index) : Optional.empty();
    }

    @Override
    public <T> T execute(io.spaceduck.storage.UnitOfWork<T> unit) {
      throw new AssertionError("the truncated view is read only");
    }
  }

  @Test
  void aTruncatedStoreWithItsHeadRewoundIsRefusedOnOpenAndByVerify() {
    CheckpointKeeper keeper = CheckpointKeeper.inMemory();
    Storage store = new InMemoryStorage();
    KekSource kek = TestEngine.newKek();
    BeakKey admin;
    try (Open o = new Open(engine(store, kek, keeper))) {
      TestEngine t = o.t;
      Cast cast = Cast.hatch(t);
      admin = cast.admin().key().key();
      t.engine.audit().checkpoint(admin);
    }
    long size = store.auditHead().orElseThrow().seq();
    Unavailable refused = assertThrows(Unavailable.class, () -> engine(new Truncated(store, size - 2), kek, keeper));
    assertTrue(refused.getMessage().contains("holds " + (size - 2) + " audit events but the checkpoint kept in memory has " + size)
        && refused.getMessage().contains("truncated"), refused.getMessage());

    // truncated while an engine is open: verify reports it, also without an expected head
    Truncated view = new Truncated(store, Long.MAX_VALUE);
    TestEngine t = new TestEngine(view, kek, b -> b.checkpointOrigin(ORIGIN).checkpointKeeper(keeper));
    assertTrue(t.engine.audit().verify(admin).valid());
    view.keep = size - 2;
    AuditVerification v = t.engine.audit().verify(admin);
    assertFalse(v.valid());
    assertEquals(size - 1, v.firstBrokenSeq().getAsLong());
    assertTrue(v.problem().orElseThrow().contains("before the size " + size + " of the checkpoint kept in memory (truncated)"), v.toString());
    t.engine.close(); // logs that it could not keep a checkpoint of the truncated tree
  }

  /** A store holding {@code from}'s keysets and origin row (as a copy would), and no events. */
  private static Storage sameKeys(Storage from) {
    Storage s = new InMemoryStorage();
    s.execute(tx -> {
      for (String name : List.of("signing", "pii", "mac", "checkpoint")) {
        Versioned<KeysetRecord> r = from.get(Tables.KEYSETS, name).orElseThrow();
        tx.insert(Tables.KEYSETS, r.value());
      }
      from.get(Tables.META, "audit_origin").ifPresent(r -> tx.insert(Tables.META, r.value()));
      return null;
    });
    return s;
  }

  @Test
  void aRewrittenHistoryIsRefusedWhetherReSignedWithTheSameKeyOrAnother() {
    CheckpointKeeper keeper = CheckpointKeeper.inMemory();
    Storage original = new InMemoryStorage();
    KekSource kek = TestEngine.newKek();
    try (Open o = new Open(engine(original, kek, keeper))) {
      TestEngine t = o.t;
      Cast.hatch(t); // no checkpoint asked for: the engine keeps one when it closes
    }
    long size = original.auditHead().orElseThrow().seq();
    assertEquals(size, SignedCheckpoint.parse(keeper.load().orElseThrow()).checkpoint().size());

    // same keys (the attacker holds the KEK), another history of at least as many events
    Storage rewritten = sameKeys(original);
    try (Open o = new Open(engine(rewritten, kek, CheckpointKeeper.inMemory()))) {
      TestEngine t = o.t;
      Cast.hatch(t);
      t.hatch("extra");
    }
    Unavailable sameKey = assertThrows(Unavailable.class, () -> engine(rewritten, kek, keeper));
    assertTrue(sameKey.getMessage().contains("has another root than the checkpoint kept in memory")
        && sameKey.getMessage().contains("rewritten"), sameKey.getMessage());

    // another key (a store rebuilt under another KEK, opened with it): the kept checkpoint is signed by
    // no key of the store, and its checkpoints verify against none of the published keys
    Storage rekeyed = new InMemoryStorage();
    KekSource otherKek = TestEngine.newKek();
    String forged;
    try (Open o = new Open(engine(rekeyed, otherKek, CheckpointKeeper.inMemory()))) {
      TestEngine t = o.t;
      Cast cast = Cast.hatch(t);
      t.hatch("extra");
      forged = t.engine.audit().checkpoint(cast.admin().key().key()).note().format();
    }
    Unavailable otherKey = assertThrows(Unavailable.class, () -> engine(rekeyed, otherKek, keeper));
    assertTrue(otherKey.getMessage().contains("is not signed by a checkpoint key of this store"), otherKey.getMessage());
    assertThrows(Unavailable.class, () -> engine(rekeyed, kek, keeper)); // and the host's own KEK opens none of its keysets
    List<String> published;
    try (Open o = new Open(engine(original, kek, keeper))) {
      published = o.t.engine.audit().verifierKeys();
    }
    InvalidInput offline = assertThrows(InvalidInput.class, () -> OfflineAuditVerifier.forVerifierKeys(published).verifyCheckpoint(forged));
    assertTrue(offline.getMessage().contains("not signed by a trusted key"), offline.getMessage());
  }

  @Test
  void aForkShownToTwoWitnessesIsRefusedByEach() {
    KekSource kek = TestEngine.newKek();
    Storage a = new InMemoryStorage();
    Storage b;
    SignedCheckpoint forkA;
    SignedCheckpoint forkB;
    ConsistencyProof bGrew;
    SignedCheckpoint forkBLater;
    List<String> vkeys;
    try (Open o = new Open(engine(a, kek, CheckpointKeeper.inMemory()))) {
      TestEngine t = o.t;
      Cast cast = Cast.hatch(t);
      forkA = t.engine.audit().checkpoint(cast.admin().key().key());
      vkeys = t.engine.audit().verifierKeys();
    }
    b = sameKeys(a);
    try (Open o = new Open(engine(b, kek, CheckpointKeeper.inMemory()))) {
      TestEngine t = o.t;
      Cast cast = Cast.hatch(t);
      BeakKey admin = cast.admin().key().key();
      forkB = t.engine.audit().checkpoint(admin);
      t.hatch("later");
      forkBLater = t.engine.audit().checkpoint(admin);
      bGrew = t.engine.audit().consistencyProof(admin, forkB.checkpoint().size(), forkBLater.checkpoint().size());
    }
    assertEquals(forkA.checkpoint().size(), forkB.checkpoint().size());
    assertFalse(forkA.checkpoint().root().equals(forkB.checkpoint().root()));

    Clock clock = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);
    OfflineAuditVerifier log = OfflineAuditVerifier.forVerifierKeys(vkeys);
    OfflineAuditVerifier.Witness w1 = log.witness(tmp.resolve("w1"), "witness.example/one", clock);
    OfflineAuditVerifier.Witness w2 = log.witness(tmp.resolve("w2"), "witness.example/two", clock);
    SignedNote cosignedA = w1.cosign(forkA.note().format(), Optional.empty());
    SignedNote cosignedB = w2.cosign(forkB.note().format(), Optional.empty());
    assertEquals(clock.instant().getEpochSecond(), OfflineAuditVerifier.verifyCosignature(cosignedA.format(), w1.verifierKey()));
    assertEquals(clock.instant().getEpochSecond(), OfflineAuditVerifier.verifyCosignature(cosignedB.format(), w2.verifierKey()));
    assertThrows(InvalidInput.class, () -> OfflineAuditVerifier.verifyCosignature(cosignedA.format(), w2.verifierKey()));

    // each witness is then shown the other branch: same size, another root; or grown, with a proof from the other branch
    Conflict sameSize = assertThrows(Conflict.class, () -> w1.cosign(forkB.note().format(), Optional.empty()));
    assertTrue(sameSize.getMessage().contains("has another root") && sameSize.getMessage().contains("fork"), sameSize.getMessage());
    Conflict grown = assertThrows(Conflict.class, () -> w1.cosign(forkBLater.note().format(), Optional.of(bGrew)));
    assertTrue(grown.getMessage().contains("not consistent with the checkpoint of size " + forkA.checkpoint().size()), grown.getMessage());
    assertThrows(Conflict.class, () -> w2.cosign(forkA.note().format(), Optional.empty()));
    // ... while the branch each saw grows on consistently: w2 accepts B's growth, and remembers it
    w2.cosign(forkBLater.note().format(), Optional.of(bGrew));
    assertEquals(forkBLater, w2.accepted(ORIGIN).orElseThrow());
    // a rolled-back checkpoint is refused too
    Conflict rolledBack = assertThrows(Conflict.class, () -> w2.cosign(forkB.note().format(), Optional.empty()));
    assertTrue(rolledBack.getMessage().contains("older than"), rolledBack.getMessage());
    // the witness state survives a restart (a new Witness on the same directory, same key)
    OfflineAuditVerifier.Witness again = log.witness(tmp.resolve("w2"), "witness.example/two", clock);
    assertEquals(w2.verifierKey(), again.verifierKey());
    assertThrows(Conflict.class, () -> again.cosign(forkA.note().format(), Optional.empty()));
  }
}
