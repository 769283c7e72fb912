package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Email;
import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.Identity;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unauthenticated;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
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
}
