package io.spaceduck.conformance.broken;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.conformance.CommitFaults;
import io.spaceduck.conformance.NotApplicable;
import io.spaceduck.conformance.StorageArbitraries;
import io.spaceduck.conformance.StorageArbitraries.Lineage;
import io.spaceduck.conformance.StorageArbitraries.TableValue;
import io.spaceduck.conformance.PulseContract.PulseSweep;
import io.spaceduck.conformance.ReadAfterCommitContract;
import io.spaceduck.conformance.StorageContract;
import io.spaceduck.conformance.StoreCapability;
import io.spaceduck.conformance.UnitContract.FailingUnit;
import io.spaceduck.conformance.UnitContract.Failure;
import io.spaceduck.conformance.UnitContract.RowAction;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The kit has teeth: each deliberately broken store fails the contract property that guards its
 * rule, for the reason that rule names, while the very same inputs pass on the reference store. The
 * properties are called directly as methods, with fixed inputs and with inputs sampled from the
 * kit's own generators. How many tries each store survives is {@link TriesToDetectionTest}.
 */
class BrokenStoresTest {
  private static final int SAMPLES = 15;

  private final List<StorageContract> contracts = new ArrayList<>();
  private final StorageContract reference = contractOver(s -> s);

  private StorageContract contractOver(UnaryOperator<Storage> breakage) {
    StorageContract c =
        new StorageContract() {
          @Override
          protected Storage newStorage() {
            return breakage.apply(new InMemoryStorage());
          }
        };
    contracts.add(c);
    return c;
  }

  @AfterEach
  void closeStores() {
    contracts.forEach(StorageContract::closeStores);
  }

  /** Runs {@code property} against the broken store (must fail with {@code reason}) and the reference (must pass). */
  private static void failsOnlyWhenBroken(String reason, Executable onBroken, Executable onReference) throws Throwable {
    AssertionError e = assertThrows(AssertionError.class, onBroken, "the broken store passed the property");
    assertTrue(
        String.valueOf(e.getMessage()).contains(reason),
        () -> "the broken store failed, but not because of '" + reason + "': " + e.getMessage());
    onReference.execute();
  }

  private static <T> List<T> sample(Arbitrary<T> arbitrary) {
    return arbitrary.sampleStream().limit(SAMPLES).collect(Collectors.toList());
  }

  private static AuditDraft draft(int i) {
    return AuditDraft.of(
        "test.action",
        AuditEvent.SYSTEM_ACTOR,
        "resource-" + i,
        Optional.empty(),
        StorageArbitraries.AUDIT_EPOCH.plusSeconds(i),
        "test",
        ReasonCode.NONE,
        AuditOutcome.SUCCESS,
        Map.of());
  }

  private static final Lineage<MetaRecord> META_LINEAGE =
      new Lineage<>(Tables.META, new MetaRecord("row", "v1"), List.of(new MetaRecord("row", "v2"), new MetaRecord("row", "v3")));

  @Test
  @Tag("CAS")
  @Tag("A5")
  @DisplayName("CAS a last-writer-wins store fails 'exactly one wins' and 'stale versions conflict'")
  void lastWriterWins_failsCompareAndSet() throws Throwable {
    StorageContract broken = contractOver(LastWriterWinsStorage::new);
    failsOnlyWhenBroken(
        "winners of round 0",
        () -> broken.racingUpdates_exactlyOneWins(2, 1),
        () -> reference.racingUpdates_exactlyOneWins(2, 1));
    AuditDraft d = draft(1);
    failsOnlyWhenBroken(
        "stale version",
        () -> broken.staleVersions_conflictAndChangeNothing(META_LINEAGE, d),
        () -> reference.staleVersions_conflictAndChangeNothing(META_LINEAGE, d));
    for (Lineage<?> l : sample(reference.lineages())) {
      failsOnlyWhenBroken(
          "version",
          () -> broken.staleVersions_conflictAndChangeNothing(l, d),
          () -> reference.staleVersions_conflictAndChangeNothing(l, d));
    }
  }

  @Test
  @Tag("I4")
  @DisplayName("I4 a store that leaks one write of a failed unit fails 'a failed unit leaves no trace'")
  void leakyStore_failsAtomicity() throws Throwable {
    StorageContract broken = contractOver(LeakyStorage::new);
    List<FailingUnit> units = new ArrayList<>();
    for (Failure f : Failure.values()) {
      units.add(
          new FailingUnit(
              List.of(META_LINEAGE),
              List.of(RowAction.UPDATE),
              List.of(new TableValue<>(Tables.META, new MetaRecord("fresh", "leaked?"))),
              List.of(draft(1)),
              List.of(draft(2), draft(3)),
              f));
    }
    sample(reference.failingUnits()).stream().filter(u -> !u.inserts().isEmpty()).forEach(units::add);
    assertFalse(units.size() <= Failure.values().length, "no sampled unit inserts anything");
    for (FailingUnit u : units) {
      failsOnlyWhenBroken(
          "rows after a failed unit", () -> broken.failedUnit_leavesNoTrace(u), () -> reference.failedUnit_leavesNoTrace(u));
    }
  }

  /** A contract whose test declares {@link StoreCapability#COMMIT_FAULTS} with its {@link CommitFaults} seam. */
  private StorageContract contractWithCommitFaults(CommitFaults faults) {
    StorageContract c =
        new StorageContract() {
          @Override
          protected Storage newStorage() {
            return new InMemoryStorage();
          }

          @Override
          protected Set<StoreCapability> capabilities() {
            return EnumSet.of(StoreCapability.DURABLE, StoreCapability.COMMIT_FAULTS);
          }

          @Override
          protected Optional<CommitFaults> commitFaults() {
            return Optional.of(faults);
          }
        };
    contracts.add(c);
    return c;
  }

  @Test
  @Tag("I4")
  @DisplayName("I4 a store that says 'not applied' after its commit point fails the commit-point cases; the in-memory store skips them")
  void notAppliedAfterCommitPoint_failsCommitPointCases() throws Throwable {
    StorageContract broken = contractWithCommitFaults(CommitPointStorage.faults(CommitPointStorage.Mode.SAYS_NOT_APPLIED));
    StorageContract honest = contractWithCommitFaults(CommitPointStorage.faults(CommitPointStorage.Mode.HONEST));
    failsOnlyWhenBroken(
        "reported as 'not applied'",
        broken::failureAfterCommitPoint_auditedUnit_neverNotApplied,
        honest::failureAfterCommitPoint_auditedUnit_neverNotApplied);
    failsOnlyWhenBroken(
        "reported as 'not applied'",
        broken::failureAfterCommitPoint_unitWithoutAuditEvents_neverNotApplied,
        honest::failureAfterCommitPoint_unitWithoutAuditEvents_neverNotApplied);
    // a store without a commit point: the cases do not apply, and say why
    NotApplicable skipped = assertThrows(NotApplicable.class, reference::failureAfterCommitPoint_auditedUnit_neverNotApplied);
    assertEquals(EnumSet.of(StoreCapability.DURABLE, StoreCapability.COMMIT_FAULTS), skipped.missing());
  }

  @Test
  @Tag("A3")
  @Tag("A5")
  @DisplayName("A3 A5 a store whose auditRange drops an event fails the chain properties")
  void droppedEvent_failsAuditChain() throws Throwable {
    StorageContract broken = contractOver(DroppedEventStorage::new);
    List<List<AuditDraft>> units = List.of(List.of(draft(1)), List.of(), List.of(draft(2), draft(3)));
    failsOnlyWhenBroken(
        "number of audit events",
        () -> broken.auditChain_isGaplessLinkedAndVerifies(units, 2),
        () -> reference.auditChain_isGaplessLinkedAndVerifies(units, 2));
    List<AuditDraft> drafts = List.of(draft(1), draft(2), draft(3));
    failsOnlyWhenBroken(
        "number of audit events",
        () -> broken.auditRange_returnsTheSlice(drafts, 1, Integer.MAX_VALUE),
        () -> reference.auditRange_returnsTheSlice(drafts, 1, Integer.MAX_VALUE));
  }

  @Test
  @Tag("A4")
  @DisplayName("A4 a store whose auditQuery pages overlap fails 'pages give each match exactly once'")
  void overlappingPages_failAuditQuery() throws Throwable {
    StorageContract broken = contractOver(OverlappingPagesStorage::new);
    List<List<AuditDraft>> units = List.of(List.of(draft(1), draft(2)), List.of(draft(3)));
    failsOnlyWhenBroken(
        "page after seq",
        () -> broken.auditQuery_matchesReferenceAndPagesOnce(units, AuditFilter.ALL, 1, 0),
        () -> reference.auditQuery_matchesReferenceAndPagesOnce(units, AuditFilter.ALL, 1, 0));
  }

  // ------------------------------------------------------------------ serializability

  @Test
  @Tag("H4")
  @Tag("CAS")
  @DisplayName("H4 CAS a store that checks unique keys write by write, in listed order, fails the end-state uniqueness examples")
  void immediateUnique_failsEndStateUniqueness() throws Throwable {
    StorageContract broken = contractOver(ImmediateUniqueStorage::new);
    String reason = "refused as a conflict although the unit's end state is valid";
    failsOnlyWhenBroken(reason, broken::uniqueValueMovedWithinOneUnit_commits, reference::uniqueValueMovedWithinOneUnit_commits);
    failsOnlyWhenBroken(reason, broken::uniqueValuesSwappedWithinOneUnit_commit, reference::uniqueValuesSwappedWithinOneUnit_commit);
    failsOnlyWhenBroken(
        reason,
        broken::uniqueValueReleasedByDeleteTakenByInsertInOneUnit_commits,
        reference::uniqueValueReleasedByDeleteTakenByInsertInOneUnit_commits);
  }

  @Test
  @Tag("K4")
  @Tag("CAS")
  @DisplayName("K4 CAS a store that checks read conditions before the batch's writes fails 'exactly one of two cross-checking units commits'")
  void earlyCheck_failsWriteSkew() throws Throwable {
    StorageContract broken = contractOver(EarlyCheckStorage::new);
    // one unit at a time the store is correct
    broken.uniqueValueMovedWithinOneUnit_commits();
    failsOnlyWhenBroken(
        "no serial order of the two units gives this",
        broken::writeSkew_exactlyOneOfTwoCrossCheckingUnitsCommits,
        reference::writeSkew_exactlyOneOfTwoCrossCheckingUnitsCommits);
  }

  @Test
  @Tag("CAS")
  @DisplayName("CAS a store whose read condition writes the row fails 'two units that only check one row both commit'")
  void checkAsWrite_failsSharedReadCondition() throws Throwable {
    StorageContract broken = contractOver(CheckAsWriteStorage::new);
    // one unit at a time the store is correct
    broken.uniqueValueMovedWithinOneUnit_commits();
    failsOnlyWhenBroken(
        "no serial order of the two units gives this",
        broken::sharedReadCondition_bothCheckersCommit,
        reference::sharedReadCondition_bothCheckersCommit);
  }

  // ------------------------------------------------------------------ pulses and keys

  private static final AgentId AGENT = new AgentId("ag_" + "p".repeat(26));
  private static final DucklingId OPERATOR = new DucklingId("dk_" + "p".repeat(25) + "o");

  @Test
  @Tag("U1")
  @DisplayName("U1 a store whose pulse sweep also deletes the latest pulse fails the sweep properties")
  void sweepDroppingLatest_failsPulseSweepProperties() throws Throwable {
    StorageContract broken = contractOver(SweepDropsLatestStorage::new);
    Instant t0 = StorageArbitraries.AUDIT_EPOCH;
    PulseSweep quietAgent =
        new PulseSweep(List.of(new Pulse(AGENT, OPERATOR, t0, "up"), new Pulse(AGENT, OPERATOR, t0.plusSeconds(1), "idle")), t0.plusSeconds(2));
    failsOnlyWhenBroken(
        "latest pulse of " + AGENT.value() + " after deletePulsesBefore",
        () -> broken.deletePulsesBefore_deletesExactlyOlderHistory_keepsLatest(quietAgent),
        () -> reference.deletePulsesBefore_deletesExactlyOlderHistory_keepsLatest(quietAgent));
    // two writer threads leave the third agent with old pulses only: the concurrent sweep drops its latest
    failsOnlyWhenBroken(
        "only old pulses, swept",
        () -> broken.concurrentPulses_loseNothing(2, 3, 6),
        () -> reference.concurrentPulses_loseNothing(2, 3, 6));
  }

  @Test
  @Tag("I3")
  @Tag("K4")
  @DisplayName("I3 K4 a record cache not invalidated at commit, one that forgets deletes, one that keeps a cached 'no row'"
      + " after an insert, and one a racing reader refills with the old row each fail 'a read after commit sees the unit';"
      + " a coherent cache (rows and 'no row' answers) passes")
  void brokenRecordCaches_failReadAfterCommit() throws Throwable {
    Instant t0 = StorageArbitraries.AUDIT_EPOCH;
    KeyInfo live = new KeyInfo(new KeyId("c".repeat(16)), OPERATOR, Optional.empty(), t0, Optional.empty(), Optional.empty());
    KeyInfo revoked = live.revoked(new Revocation(OPERATOR, t0.plusSeconds(60), ReasonCode.COMPROMISED));
    Bytes mac = Bytes.of(new byte[] {5, 6, 7, 8});
    Lineage<KeyRecord> revocation = new Lineage<>(Tables.KEYS, new KeyRecord(live, mac), List.of(new KeyRecord(revoked, mac)));
    List<StorageContract> broken =
        List.of(
            contractOver(UninvalidatedCacheStorage::new),
            contractOver(s -> new CommitCacheStorage(s, CommitCacheStorage.Mode.FORGETS_DELETES)),
            contractOver(s -> new CommitCacheStorage(s, CommitCacheStorage.Mode.FORGETS_INSERTS)),
            contractOver(s -> new CommitCacheStorage(s, CommitCacheStorage.Mode.RACY_FILL)));
    StorageContract coherent = contractOver(s -> new CommitCacheStorage(s, CommitCacheStorage.Mode.HONEST));
    List<Lineage<?>> lineages = new ArrayList<>(List.of(revocation));
    lineages.addAll(sample(reference.readAfterCommitLineages()).subList(0, 5)); // every table is covered by the kit's own tries
    for (StorageContract b : broken) {
      for (Lineage<?> l : lineages) {
        // the broken stores with the writer alone (0 readers): its own read after each commit catches
        // every one of them, every time. With readers a broken cache can be healed by chance: under
        // FORGETS_INSERTS a reader that missed just before the re-insert and read the store just after
        // it puts the fresh row over the stale "no row" (seen once, on a loaded machine)
        failsOnlyWhenBroken(
            "stale read after commit",
            () -> b.readAfterCommit_seesTheUnit_onEveryThread(l, 0),
            () -> reference.readAfterCommit_seesTheUnit_onEveryThread(l, 2));
        coherent.readAfterCommit_seesTheUnit_onEveryThread(l, 2);
        b.closeStores();
        coherent.closeStores();
        reference.closeStores();
      }
    }
  }

  @Test
  @Tag("I3")
  @DisplayName("I3 an authentication chain cache that drops entries only for key writes, one that keeps a cached 'no key row'"
      + " after the insert, and one a racing reader refills with the old chain each fail 'authenticationRows sees each committed"
      + " change'; a coherent chain cache passes")
  void brokenChainCaches_failAuthenticationAfterCommit() throws Throwable {
    List<ReadAfterCommitContract.ChainStep> walk = List.of(
        ReadAfterCommitContract.ChainStep.BLOCK_OR_UNBLOCK_AGENT,
        ReadAfterCommitContract.ChainStep.REVOKE_BOND,
        ReadAfterCommitContract.ChainStep.INSERT_SECOND_KEY,
        ReadAfterCommitContract.ChainStep.REVOKE_KEY,
        ReadAfterCommitContract.ChainStep.REBOND_AGENT,
        ReadAfterCommitContract.ChainStep.DELETE_KEY,
        ReadAfterCommitContract.ChainStep.INSERT_KEY);
    List<ReadAfterCommitContract.ChainScenario> scenarios = new ArrayList<>();
    for (ReadAfterCommitContract.ChainScenario c : sample(reference.authenticationChainScenarios()).subList(0, 3)) {
      scenarios.add(new ReadAfterCommitContract.ChainScenario(
          c.agent(), c.key(), c.bond(), c.secondBond(), c.secondKey(), c.decoyIsTheAgent(), walk));
    }
    List<StorageContract> broken =
        List.of(
            contractOver(s -> new ChainCacheStorage(s, ChainCacheStorage.Mode.KEY_ROWS_ONLY)),
            contractOver(s -> new ChainCacheStorage(s, ChainCacheStorage.Mode.KEEPS_NO_KEY)),
            contractOver(s -> new ChainCacheStorage(s, ChainCacheStorage.Mode.RACY_FILL)));
    StorageContract coherent = contractOver(s -> new ChainCacheStorage(s, ChainCacheStorage.Mode.HONEST));
    for (StorageContract b : broken) {
      for (ReadAfterCommitContract.ChainScenario c : scenarios) {
        // the writer alone (0 readers) catches each, every time: its own calls after each commit
        failsOnlyWhenBroken(
            "stale authentication chain after commit",
            () -> b.authenticationRows_seeEachCommittedChange_onEveryThread(c, 0),
            () -> reference.authenticationRows_seeEachCommittedChange_onEveryThread(c, 2));
        coherent.authenticationRows_seeEachCommittedChange_onEveryThread(c, 2);
        b.closeStores();
        coherent.closeStores();
        reference.closeStores();
      }
    }
  }

  @Test
  @Tag("K4")
  @Tag("I3")
  @DisplayName("K4 I3 a store whose key lookup returns the pre-revocation record fails the version properties")
  void staleKeyRead_failsVersionProperties() throws Throwable {
    StorageContract broken = contractOver(StaleKeyReadStorage::new);
    Instant t0 = StorageArbitraries.AUDIT_EPOCH;
    KeyInfo live = new KeyInfo(new KeyId("k".repeat(16)), OPERATOR, Optional.empty(), t0, Optional.empty(), Optional.empty());
    KeyInfo revoked = live.revoked(new Revocation(OPERATOR, t0.plusSeconds(60), ReasonCode.COMPROMISED));
    Bytes mac = Bytes.of(new byte[] {1, 2, 3, 4});
    Lineage<KeyRecord> revocation = new Lineage<>(Tables.KEYS, new KeyRecord(live, mac), List.of(new KeyRecord(revoked, mac)));
    failsOnlyWhenBroken(
        "after update 1",
        () -> broken.insertThenUpdate_versionsCountFromOne(revocation),
        () -> reference.insertThenUpdate_versionsCountFromOne(revocation));
    AuditDraft d = draft(1);
    failsOnlyWhenBroken(
        "after delete",
        () -> broken.staleVersions_conflictAndChangeNothing(revocation, d),
        () -> reference.staleVersions_conflictAndChangeNothing(revocation, d));
  }

  @Test
  @Tag("A5")
  @DisplayName("A5 a store that links prev_hash outside its append lock forks the chain under concurrent units only")
  void racyLink_failsOnlyUnderConcurrency() throws Throwable {
    StorageContract broken = contractOver(RacyLinkStorage::new);
    // one thread at a time the store is correct: the sequential chain properties pass
    List<List<AuditDraft>> units = List.of(List.of(draft(1)), List.of(draft(2), draft(3)), List.of(draft(4)));
    broken.auditChain_isGaplessLinkedAndVerifies(units, 2);
    for (FailingUnit u : sample(reference.failingUnits())) {
      broken.failedUnit_leavesNoTrace(u);
    }
    // eight threads appending at once fork it (how many tries that takes: TriesToDetectionTest)
    AssertionError e = null;
    for (int attempt = 0; attempt < 20 && e == null; attempt++) {
      try {
        broken.concurrentAppends_formOneChain(8, 20, 3);
      } catch (AssertionError caught) {
        e = caught;
      }
      broken.closeStores();
    }
    assertTrue(e != null, "20 concurrent runs never forked the racy chain");
    String m = String.valueOf(e.getMessage());
    assertTrue(m.contains("fork: prev_hash") || m.contains("chain does not verify"), "failed for another reason: " + m);
    reference.concurrentAppends_formOneChain(8, 20, 3);
  }
}
