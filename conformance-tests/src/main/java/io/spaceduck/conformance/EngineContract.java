package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Email;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.Identity;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.function.Executable;

/**
 * The engine conformance kit: model-based jqwik properties over the whole engine on a given store. A
 * backend's test module extends this class once, implements {@link #newStorage()}, and puts {@code
 * io.spaceduck:engine-core} on its test class path (the kit reaches the engine only through {@code
 * engine-api}, whose builder finds it with {@code ServiceLoader}):
 *
 * <pre>{@code
 * class MyEngineContractTest extends EngineContract {
 *   @Override
 *   protected Storage newStorage() {
 *     return MyStorage.openEmpty(); // a clean store: a new file, schema or database each time
 *   }
 * }
 * }</pre>
 *
 * <p>What is checked. Random action chains run against two engine instances on one store of the
 * backend and a small reference model built from the SPEC alone; after every step every observable
 * result matches the model and I1–I8 hold; a failure shrinks to a short chain printed call by call:
 *
 * <ul>
 *   <li><b>Governance chains</b> ({@link GovernanceModel}): hatching (also the refusals of H1, H3,
 *       H4 and re-hatching after D1), promotions, bonds, key rotation, revocation and replacement,
 *       bond revocation, platform blocks and unblocks, deletion requests, pulses, pulse reads and TTL
 *       sweeps, stale agents, clock moves, garbage keys — and an adversary that keeps trying
 *       forbidden operations with whatever keys it can get (revoked, rotated away past their grace,
 *       other operators', T1 keys for T2 actions, agents' keys): every attempt is refused, and one
 *       by an authenticated caller is audited as DENIED naming it (A1). With {@code T3_AUTOMATION}
 *       off and on.
 *   <li><b>Peck workflows</b> ({@link PeckModel}): requests, sponsorship, accepts, declines,
 *       approvals, rejections, closes, expiry, session tokens checked online on both instances,
 *       cascades of revocations and blocks (P1–P7).
 *   <li><b>One operator, many threads</b> (fixed examples): eight threads bonding for one operator,
 *       or rotating and revoking its agents' keys and bonds, see no {@code Conflict}; bonds racing the
 *       operator's deletion are all revoked by it (D1).
 *   <li><b>Hostile input through the store</b>: display names, agent names and emails built from
 *       the characters that break stores are accepted clean and read back exactly, or refused as
 *       {@link InvalidInput}; anything but a live key is {@link Unauthenticated} (K6).
 * </ul>
 *
 * <p><b>Tries.</b> Each property declares CI-sized tries (tens of chains); {@value
 * ConformanceTries#PROPERTY} scales them all (base 100), {@value ConformanceTries#ACTIONS_PROPERTY}
 * sets the chain length, and a slow backend may run a share of them with {@link #triesPercent()}.
 * <b>Stores.</b> Every store the kit opens is closed after its try. The engine is built with an
 * injected clock that the chains move (no sleeps), a JDK AES-GCM key-encryption key and generous
 * rate limits.
 *
 * <p>Not thread-safe as an object (jqwik runs one try at a time).
 */
@AddLifecycleHook(ConformanceTries.class)
public abstract class EngineContract {
  private static final int MAX_ACTIONS = 30;

  /** The engines of the running try; see {@link TryFence} for why a property's end is fenced. */
  final TryFence fence = new TryFence();
  private EngineFixture shared;
  private HatchResult alice;
  private BeakKey operatorKey;
  private List<Tier> agentTiers = List.of(Tier.T1, Tier.T1, Tier.T2, Tier.T1, Tier.T1, Tier.T2);

  /** A new, empty, open store. Called once per chain (and once per hostile-input property); the kit closes it. */
  protected abstract Storage newStorage();

  /**
   * The share of the declared tries this backend runs, in percent (default 100); a server database
   * whose every call is a round trip may run fewer in CI. Applied on top of {@value
   * ConformanceTries#PROPERTY}.
   */
  protected int triesPercent() {
    return 100;
  }

  /**
   * Two engines on a new store of the backend, closed after the try.
   *
   * @throws IllegalStateException once the property has ended (see {@link TryFence})
   */
  final EngineFixture openEngine(boolean t3) {
    return fence.open(() -> new EngineFixture(newStorage(), t3));
  }

  /** Closes every engine and store opened during the try. */
  @AfterTry
  public void closeEngines() throws Exception {
    fence.closeAll();
  }

  /** Closes the engine the hostile-input property shared across its tries. */
  @AfterProperty
  public void closeSharedEngine() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }

  // ================================================================== governance chains

  /** Governance chains with {@code T3_AUTOMATION} off. */
  @Provide
  public Arbitrary<ActionChain<GovernanceModel>> governanceChains() {
    return GovernanceModel.chains(() -> new GovernanceModel(openEngine(false), false), ConformanceTries.chainLength(MAX_ACTIONS));
  }

  /** Governance chains with {@code T3_AUTOMATION} on. */
  @Provide
  public Arbitrary<ActionChain<GovernanceModel>> governanceChainsT3() {
    return GovernanceModel.chains(() -> new GovernanceModel(openEngine(true), true), ConformanceTries.chainLength(MAX_ACTIONS));
  }

  /**
   * Random governance chains — with the adversary trying forbidden operations throughout — match the
   * reference model after every step, and I1–I8 hold: tiers exactly as granted, no self-promotion,
   * revoked and expired keys refused on both instances, one audit event per success and per denial
   * and none else, a chain that verifies, unmodified certificates with one current each, no T3
   * without the feature, no raw secret in the store.
   */
  @Property(tries = 30)
  @Tag("I1") @Tag("I2") @Tag("I3") @Tag("I4") @Tag("I5") @Tag("I6") @Tag("I7") @Tag("I8")
  @Tag("A1") @Tag("K2") @Tag("K3") @Tag("K4") @Tag("K5") @Tag("B3") @Tag("H4") @Tag("D1") @Tag("U1") @Tag("U2")
  @Label("I1–I8 A1 governance chains and the adversary match the model after every step (T3_AUTOMATION off)")
  public void governance_matchesModel(@ForAll("governanceChains") ActionChain<GovernanceModel> chain) {
    chain.withInvariant("I1–I8 and the model", GovernanceModel::checkInvariants).run();
  }

  /** As {@link #governance_matchesModel}, with {@code T3_AUTOMATION} on (I7 then allows T3 agents). */
  @Property(tries = 10)
  @Tag("I1") @Tag("I2") @Tag("I3") @Tag("I4") @Tag("I5") @Tag("I6") @Tag("I8") @Tag("A1")
  @Label("I1–I6 I8 A1 governance chains and the adversary match the model after every step (T3_AUTOMATION on)")
  public void governance_matchesModel_t3On(@ForAll("governanceChainsT3") ActionChain<GovernanceModel> chain) {
    chain.withInvariant("I1–I6, I8 and the model", GovernanceModel::checkInvariants).run();
  }

  // ================================================================== peck workflows

  /** The tiers of the six agents: mostly T1 and T2 (may peck), some Eggs (may neither request nor be pecked). */
  @Provide
  public Arbitrary<List<Tier>> agentTiers() {
    return Arbitraries.of(Tier.T1, Tier.T2, Tier.T1, Tier.T0, Tier.T2, Tier.T1).list().ofSize(6);
  }

  /** Peck workflows among the agents of {@link #agentTiers()}. */
  @Provide
  public Arbitrary<ActionChain<PeckModel>> peckChains() {
    return PeckModel.chains(() -> new PeckModel(openEngine(false), agentTiers), ConformanceTries.chainLength(MAX_ACTIONS));
  }

  /**
   * Random Peck Protocol workflows match the reference model after every step (see {@link
   * PeckModel}): states, deciders, session tokens live exactly while their peck is, on both
   * instances; inboxes; one audit event per transition and per denial; a chain that verifies.
   */
  @Property(tries = 30)
  @Tag("P1") @Tag("P2") @Tag("P3") @Tag("P4") @Tag("P5") @Tag("P6") @Tag("P7")
  @Tag("I2") @Tag("I3") @Tag("I4") @Tag("I5") @Tag("I8") @Tag("A1")
  @Label("P1–P7 random peck workflows match the reference model after every step")
  public void peckWorkflows_matchModel(
      @ForAll("agentTiers") List<Tier> tiers, @ForAll("peckChains") ActionChain<PeckModel> chain) {
    this.agentTiers = tiers; // read when the chain's world is built, which happens inside run()
    chain.withInvariant("P1–P7 and the model", PeckModel::checkInvariants).run();
  }

  // ================================================================== hostile input through the store

  /** One engine for all tries of a property: an admin, an operator and a duckling, Alice. */
  private EngineFixture shared() {
    if (shared == null) {
      shared = fence.openUntracked(() -> new EngineFixture(newStorage(), false)); // closed after the property
      BeakKey admin = shared.bootstrap(shared.newEmail()).key().key();
      HatchResult op = shared.hatch("Operator", shared.newEmail());
      shared.engine.identities().promote(admin, op.duckling().id(), Tier.T2);
      operatorKey = op.key().key();
      alice = shared.hatch("Alice", shared.newEmail());
    }
    return shared;
  }

  /** Text built from the characters that break naive validators and stores. */
  @Provide
  public Arbitrary<String> hostileText() {
    return HostileInputs.text();
  }

  /** Almost-emails. */
  @Provide
  public Arbitrary<String> hostileEmails() {
    return HostileInputs.email();
  }

  /** Anything but Alice's live key. */
  @Provide
  public Arbitrary<String> notAKey() {
    shared();
    return HostileInputs.notAKey(alice.key().key().reveal());
  }

  /**
   * Any display name is a hatch whose clean name the store gives back exactly — in the identity, its
   * stored row and its certificate — or an {@link InvalidInput} naming {@code display_name} that
   * does not echo the value.
   */
  @Property(tries = 60)
  @Tag("H1") @Tag("C1") @Tag("D2")
  @Label("H1 C1 any display name is stored and read back exactly, or refused as InvalidInput")
  public void displayName_roundTripsOrIsRefused(@ForAll("hostileText") String name) {
    EngineFixture t = shared();
    HatchTicket ticket;
    try {
      ticket = t.engine.hatching().start(new HatchRequest(name, Email.of(t.newEmail()), "ok", EngineFixture.SOURCE));
    } catch (InvalidInput e) {
      InputChecks.assertNamesFieldOnly(e, "display_name", name);
      coverBoth(false);
      return;
    }
    HatchResult r = t.complete(ticket);
    String stored = r.duckling().displayName();
    InputChecks.assertCleanName(stored);
    assertEquals(stored, r.certificate().displayName(), "the certificate carries the name");
    Identity read = t.second.identities().get(alice.key().key(), alice.duckling().id()); // the store is readable
    assertEquals(alice.duckling().displayName(), read.displayName(), "another duckling's name is unchanged");
    assertEquals(stored, t.second.identities().get(r.key().key(), r.duckling().id()).displayName(), "the name read back");
    assertEquals(
        stored,
        t.storage.get(Tables.IDENTITIES, r.duckling().id().value()).map(Versioned::value).map(Identity::displayName).orElse(null),
        "the name in the stored row");
    List<CertificateView> certs = t.second.certificates().history(r.key().key(), r.duckling().id());
    assertEquals(List.of(r.certificate()), certs.stream().map(CertificateView::certificate).toList(), "the stored certificate");
    coverBoth(true);
  }

  /**
   * Any agent name is a bond whose clean name the store gives back exactly — in the agent, the bond
   * and the certificate — or an {@link InvalidInput} naming {@code agent_name}.
   */
  @Property(tries = 60)
  @Tag("B1") @Tag("C1") @Tag("D2")
  @Label("B1 C1 any agent name is stored and read back exactly, or refused as InvalidInput")
  public void agentName_roundTripsOrIsRefused(@ForAll("hostileText") String name) {
    EngineFixture t = shared();
    BondResult r;
    try {
      r = t.engine.bonds().bond(operatorKey, name, Tier.T0);
    } catch (InvalidInput e) {
      InputChecks.assertNamesFieldOnly(e, "agent_name", name);
      coverBoth(false);
      return;
    }
    String stored = r.agent().displayName();
    InputChecks.assertCleanName(stored);
    assertEquals(stored, r.bond().agentName(), "the bond carries the name");
    assertEquals(stored, r.certificate().displayName(), "the certificate carries the name");
    assertEquals(r.bond(), t.second.bonds().get(operatorKey, r.bond().id()), "the bond read back");
    assertEquals(stored, t.second.identities().get(operatorKey, r.agent().id()).displayName(), "the agent read back");
    coverBoth(true);
  }

  /** Any email is a started hatch or an {@link InvalidInput} naming {@code email}, never an echo. */
  @Property(tries = 60)
  @Tag("H1") @Tag("H4") @Tag("D2")
  @Label("H1 any email is a started hatch or refused as InvalidInput, never echoed")
  public void email_isAcceptedOrRefused(@ForAll("hostileEmails") String email) {
    EngineFixture t = shared();
    try {
      HatchTicket ticket = t.engine.hatching().start(new HatchRequest("Emailer", Email.of(email), "ok", EngineFixture.SOURCE));
      assertTrue(t.codes.containsKey(ticket.id()), "a started hatch delivers a code");
      coverBoth(true);
    } catch (InvalidInput e) {
      InputChecks.assertNamesFieldOnly(e, "email", email);
      coverBoth(false);
    }
  }

  /** Anything but a live Beak Key is {@link Unauthenticated} with the one fixed message, on both instances (K6). */
  @Property(tries = 100)
  @Tag("K6") @Tag("K1")
  @Label("K6 anything but a live Beak Key is Unauthenticated with the one fixed message")
  public void notAKey_isUnauthenticated(@ForAll("notAKey") String raw) {
    EngineFixture t = shared();
    BeakKey key = BeakKey.of(raw);
    for (var engine : List.of(t.engine, t.second)) {
      assertUnauthenticated(() -> engine.authenticate(key));
      assertUnauthenticated(() -> engine.certificates().get(key, alice.certificate().id()));
      assertUnauthenticated(() -> engine.keys().rotate(key, alice.key().info().id()));
    }
    assertEquals(alice.duckling().id(), t.engine.authenticate(alice.key().key()).id(), "the real key still works");
  }

  // ------------------------------------------------------------------ checks

  private static void assertUnauthenticated(Executable call) {
    Unauthenticated e = assertThrows(Unauthenticated.class, call);
    assertEquals(Unauthenticated.MESSAGE, e.getMessage());
    assertEquals(ErrorCode.UNAUTHENTICATED, e.code());
    assertNull(e.getCause());
  }

  /**
   * Records the outcome and requires the generators to reach both outcomes often enough — once there
   * are enough tries to tell (a slow backend's {@link #triesPercent()} may leave only a handful, where
   * a 5 % outcome is absent by chance).
   */
  private static void coverBoth(boolean accepted) {
    Statistics.label("outcome").collect(accepted ? "accepted" : "refused");
    Statistics.label("outcome")
        .coverage(
            c -> {
              java.util.function.BiPredicate<Integer, Integer> often = (n, total) -> total < 40 || n * 20 >= total;
              c.check("accepted").count(often);
              c.check("refused").count(often);
            });
  }

  // ================================================================== one operator, many threads

  /** Threads of the one-operator examples: what a host's request pool runs for one busy operator. */
  private static final int OPERATOR_THREADS = 8;

  /** Bonds each thread makes in {@link #oneOperator_eightThreadsBonding_noConflict}. */
  private static final int BONDS_PER_THREAD = 12;

  /** A T2 operator on {@code f}, promoted by {@code admin}; returns its key. */
  private static BeakKey operator(EngineFixture f, BeakKey admin, String name) {
    HatchResult h = f.hatch(name, f.newEmail());
    f.engine.identities().promote(admin, h.duckling().id(), Tier.T2);
    return h.key().key();
  }

  /** The events of {@code action} in the whole chain. */
  private static List<AuditEvent> events(EngineFixture f, AuditAction action) {
    long head = f.storage.auditHead().map(AuditHead::seq).orElse(0L);
    return f.storage.auditRange(1, (int) head).stream().filter(e -> e.action().equals(action.code())).toList();
  }

  /**
   * A host's request threads bonding agents for one operator at once: none sees {@link Conflict} —
   * the engine's own bookkeeping (the operator's bond fence, D1) does not make them collide — and
   * every bond is committed, listed, live on both instances and audited exactly once; the chain
   * verifies.
   */
  @Example
  @Tag("B1") @Tag("D1") @Tag("I4") @Tag("A5")
  @Label("B1 D1 eight threads bonding agents for one operator: no Conflict, each bond committed and audited once")
  public void oneOperator_eightThreadsBonding_noConflict() {
    EngineFixture f = openEngine(false);
    BeakKey admin = f.bootstrap(f.newEmail()).key().key();
    BeakKey olive = operator(f, admin, "Olive");
    List<Callable<List<BondResult>>> threads = new ArrayList<>();
    for (int t = 0; t < OPERATOR_THREADS; t++) {
      int thread = t;
      threads.add(() -> {
        List<BondResult> mine = new ArrayList<>();
        for (int i = 0; i < BONDS_PER_THREAD; i++) {
          mine.add(f.engine.bonds().bond(olive, "agent-" + thread + "-" + i, Tier.T1)); // a Conflict fails the example
        }
        return mine;
      });
    }
    List<BondResult> bonded = Concurrently.run(threads, Concurrently.THREAD_TIMEOUT_SECONDS).stream().flatMap(List::stream).toList();

    int expected = OPERATOR_THREADS * BONDS_PER_THREAD;
    assertEquals(expected, bonded.size());
    List<Bond> listed = f.engine.bonds().list(olive);
    assertEquals(expected, listed.size(), "every bond is listed");
    assertTrue(listed.stream().allMatch(b -> b.status() == BondStatus.ACTIVE), "every bond is active");
    for (BondResult b : bonded) {
      assertEquals(b.agent().id(), f.second.authenticate(b.key().key()).id(), "the agent's key works on the other instance");
    }
    assertEquals(expected, events(f, AuditAction.BOND_CREATED).size(), "one bond.created event per bond (I4)");
    AuditVerification v = f.engine.audit().verify(admin);
    assertTrue(v.valid(), v.problem().orElse(""));
  }

  /**
   * A host's request threads governing one operator's agents at once — each thread rotates its agents'
   * keys (K3), revokes the rotated-away keys (K4), revokes one bond (B2) and bonds a new agent (B1) —
   * sees no {@link Conflict}: these actions all re-check the operator's rows, and nothing of the
   * engine's bookkeeping writes them. Afterwards every revoked key and bond is refused, every current
   * key works, and the chain verifies.
   */
  @Example
  @Tag("K3") @Tag("K4") @Tag("B1") @Tag("B2") @Tag("I3") @Tag("I4")
  @Label("K3 K4 B2 eight threads rotating and revoking one operator's agents' keys (and bonding): no Conflict")
  public void oneOperator_eightThreadsRotatingAndRevoking_noConflict() {
    EngineFixture f = openEngine(false);
    BeakKey admin = f.bootstrap(f.newEmail()).key().key();
    BeakKey olive = operator(f, admin, "Olive");
    int agentsPerThread = 3;
    List<BondResult> agents = new ArrayList<>();
    for (int i = 0; i < OPERATOR_THREADS * agentsPerThread; i++) {
      agents.add(f.engine.bonds().bond(olive, "agent-" + i, Tier.T1));
    }
    record Outcome(List<IssuedKey> current, List<BeakKey> refused, BondResult bondedMeanwhile) {}
    List<Callable<Outcome>> threads = new ArrayList<>();
    for (int t = 0; t < OPERATOR_THREADS; t++) {
      List<BondResult> mine = agents.subList(t * agentsPerThread, (t + 1) * agentsPerThread);
      int thread = t;
      threads.add(() -> {
        List<IssuedKey> current = new ArrayList<>();
        List<BeakKey> refused = new ArrayList<>();
        for (BondResult a : mine.subList(0, agentsPerThread - 1)) {
          IssuedKey second = f.engine.keys().rotate(olive, a.key().info().id()); // K3
          f.engine.keys().revoke(olive, a.key().info().id(), ReasonCode.COMPROMISED); // K4: the one in grace
          IssuedKey third = f.engine.keys().rotate(olive, second.info().id());
          refused.add(a.key().key());
          current.add(third);
        }
        BondResult bonded = f.engine.bonds().bond(olive, "meanwhile-" + thread, Tier.T1);
        BondResult last = mine.get(agentsPerThread - 1);
        f.engine.bonds().revoke(olive, last.bond().id(), ReasonCode.OPERATOR_REQUEST); // B2
        refused.add(last.key().key());
        return new Outcome(current, refused, bonded);
      });
    }
    List<Outcome> outcomes = Concurrently.run(threads, Concurrently.THREAD_TIMEOUT_SECONDS);

    for (Outcome o : outcomes) {
      for (IssuedKey k : o.current()) {
        assertEquals(k.info().owner(), f.second.authenticate(k.key()).id(), "the newest key works");
      }
      for (BeakKey k : o.refused()) {
        assertThrows(Unauthenticated.class, () -> f.second.authenticate(k), "a revoked key or bond is refused (I3)");
      }
      assertEquals(o.bondedMeanwhile().agent().id(), f.second.authenticate(o.bondedMeanwhile().key().key()).id());
    }
    assertEquals(OPERATOR_THREADS * (agentsPerThread - 1) * 2, events(f, AuditAction.KEY_ROTATED).size(), "I4");
    assertEquals(OPERATOR_THREADS * (agentsPerThread - 1), events(f, AuditAction.KEY_REVOKED).size(), "I4");
    assertEquals(OPERATOR_THREADS, events(f, AuditAction.BOND_REVOKED).size(), "I4");
    AuditVerification v = f.engine.audit().verify(admin);
    assertTrue(v.valid(), v.problem().orElse(""));
  }

  /**
   * D1 with bonds racing the deletion: while seven threads bond agents for one operator as fast as
   * they can, an admin deletes the operator. Every bond that committed is revoked by the deletion —
   * its event counts them all — and no agent key works; the bonding threads see the operator's key
   * refused, never {@link Conflict}.
   */
  @Example
  @Tag("D1") @Tag("I3") @Tag("B1") @Tag("I4")
  @Label("D1 I3 bonds racing their operator's deletion: every committed bond is revoked by it, none outlives the operator")
  public void oneOperator_bondsRacingItsDeletion_noneOutlivesIt() {
    EngineFixture f = openEngine(false);
    BeakKey admin = f.bootstrap(f.newEmail()).key().key();
    HatchResult h = f.hatch("Olive", f.newEmail());
    f.engine.identities().promote(admin, h.duckling().id(), Tier.T2);
    BeakKey olive = h.key().key();
    int bonders = OPERATOR_THREADS - 1;
    int maxBondsPerThread = 40; // bounds the example if the deletion never came
    java.util.concurrent.CountDownLatch someBonded = new java.util.concurrent.CountDownLatch(bonders);
    List<Callable<List<BondResult>>> threads = new ArrayList<>();
    for (int t = 0; t < bonders; t++) {
      int thread = t;
      threads.add(() -> {
        List<BondResult> mine = new ArrayList<>();
        try {
          for (int i = 0; i < maxBondsPerThread; i++) {
            mine.add(f.engine.bonds().bond(olive, "agent-" + thread + "-" + i, Tier.T1));
            someBonded.countDown();
          }
        } catch (Unauthenticated deleted) {
          // the operator's key died with the deletion: this thread is done
        }
        return mine;
      });
    }
    threads.add(() -> {
      someBonded.await(Concurrently.THREAD_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
      f.engine.identities().requestDeletion(admin, h.duckling().id(), ReasonCode.DELETION_REQUEST);
      return List.of();
    });
    List<BondResult> bonded = Concurrently.run(threads, Concurrently.THREAD_TIMEOUT_SECONDS).stream().flatMap(List::stream).toList();

    assertTrue(bonded.size() >= bonders, "bonds committed before the deletion");
    assertTrue(bonded.size() < bonders * maxBondsPerThread, "the deletion came while the threads were bonding");
    for (BondResult b : bonded) {
      assertEquals(BondStatus.REVOKED, f.engine.bonds().get(admin, b.bond().id()).status(), "D1: every bond is revoked");
      assertThrows(Unauthenticated.class, () -> f.second.authenticate(b.key().key()), "D1, I3: no agent key works");
    }
    assertEquals(bonded.size(), f.storage.findBy(Tables.BONDS_BY_OPERATOR, h.duckling().id().value()).size(), "no other bond exists");
    List<AuditEvent> deletion = events(f, AuditAction.IDENTITY_DELETED);
    assertEquals(1, deletion.size());
    assertEquals(Integer.toString(bonded.size()), deletion.get(0).details().get("bonds_revoked"), "the deletion revoked every bond");
    AuditVerification v = f.engine.audit().verify(admin);
    assertTrue(v.valid(), v.problem().orElse(""));
  }
}
