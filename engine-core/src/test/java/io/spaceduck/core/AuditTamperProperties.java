package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Hash;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.api.Tier;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.Storage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterTry;

/**
 * A3/I5: a random audit chain is built through the engine, then a store decorator presents a view
 * with exactly one alteration. Both {@link AuditChain#verify} and {@code engine.audit().verify(...)} on
 * an engine over the tampered view must report the chain invalid and name the first broken seq.
 */
class AuditTamperProperties {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterTry
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  // ------------------------------------------------------------------ properties

  @Property(tries = 70)
  @Tag("A3")
  @Tag("I5")
  @Label("A3: any single change, insertion, deletion or swap is detected at the first altered seq")
  void singleTampering_isDetectedAtTheFirstAlteredSeq(
      @ForAll @Size(min = 1, max = 16) List<@IntRange(min = 0, max = 6) Integer> ops,
      @ForAll("tamperings") Tampering tampering) {
    Built b = build(ops);
    List<AuditEvent> events = b.events();
    int n = events.size();
    Applied applied = tampering.apply(events);
    assertFalse(applied.events().equals(events), "the tampering changed nothing: " + applied.description());

    AuditVerification direct = AuditChain.verify(applied.events().iterator(), Optional.empty());
    assertFalse(direct.valid(), applied.description() + " on a chain of " + n + " went undetected");
    assertEquals(applied.firstBrokenSeq(), direct.firstBrokenSeq().getAsLong(), applied.description() + ": " + direct);

    // The engine also checks against the store's own head record (here: the view's last event), which
    // can only name the same seq or an earlier one — e.g. a linked insertion at the end is caught at the
    // inserted event itself, where the head no longer matches.
    AuditVerification viaEngine = engineOver(b, applied.events()).audit().verify(b.admin());
    assertFalse(viaEngine.valid(), applied.description() + " went undetected by the engine");
    Optional<AuditHead> storeHead = applied.events().isEmpty() ? Optional.empty() : Optional.of(applied.events().get(applied.events().size() - 1).head());
    assertEquals(
        AuditChain.verify(applied.events().iterator(), storeHead).firstBrokenSeq().getAsLong(),
        viaEngine.firstBrokenSeq().getAsLong(),
        applied.description() + ": " + viaEngine);
    assertTrue(viaEngine.firstBrokenSeq().getAsLong() <= applied.firstBrokenSeq(), applied.description() + ": " + viaEngine);

    // the untouched store still verifies (the tampering was only in the view)
    assertTrue(b.t().engine.audit().verify(b.admin()).valid());
  }

  @Property(tries = 30)
  @Tag("A3")
  @Tag("I5")
  @Label("A3: dropping the newest events leaves a valid shorter chain, but the expected head detects it")
  void truncation_isDetectedOnlyWithTheExpectedHead(
      @ForAll @Size(min = 1, max = 16) List<@IntRange(min = 0, max = 6) Integer> ops,
      @ForAll @IntRange(min = 1, max = 50) int dropPick) {
    Built b = build(ops);
    List<AuditEvent> events = b.events();
    int n = events.size();
    AuditVerification before = b.t().engine.audit().verify(b.admin());
    assertTrue(before.valid());
    AuditHead printed = before.head().orElseThrow(); // kept outside the store
    assertEquals(n, printed.seq());
    assertTrue(b.t().engine.audit().verify(b.admin(), printed).valid(), "the intact chain contains its head");

    int k = 1 + (dropPick - 1) % (n - 1); // keep at least one event
    List<AuditEvent> truncated = List.copyOf(events.subList(0, n - k));
    var engine = engineOver(b, truncated);

    AuditVerification plain = engine.audit().verify(b.admin());
    assertTrue(plain.valid(), "a truncated chain is a valid shorter chain: " + plain);
    assertEquals(n - k, plain.eventsVerified());
    assertEquals(Optional.of(events.get(n - k - 1).head()), plain.head());

    AuditVerification withHead = engine.audit().verify(b.admin(), printed);
    assertFalse(withHead.valid(), "truncation of " + k + " events went undetected with the expected head");
    assertEquals(n - k + 1, withHead.firstBrokenSeq().getAsLong(), withHead.toString());
    assertEquals(
        n - k + 1,
        AuditChain.verify(truncated.iterator(), Optional.of(printed)).firstBrokenSeq().getAsLong());
  }

  @Property(tries = 20)
  @Tag("A3")
  @Tag("I5")
  @Label("A3: newest events replaced by a re-linked forgery verify alone, but not against the expected head")
  void rewrittenTail_isDetectedByTheExpectedHead(
      @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 0, max = 6) Integer> ops,
      @ForAll @IntRange(min = 1, max = 50) int dropPick) {
    Built b = build(ops);
    List<AuditEvent> events = b.events();
    int n = events.size();
    AuditHead printed = b.t().engine.audit().verify(b.admin()).head().orElseThrow();
    int k = 1 + (dropPick - 1) % (n - 1);
    List<AuditEvent> forged = new ArrayList<>(events.subList(0, n - k));
    for (int i = n - k; i < n; i++) {
      AuditEvent original = events.get(i);
      AuditDraft d = AuditChain.draftOf(original);
      AuditDraft altered = new AuditDraft(d.action(), d.actor(), "forged-" + d.resource(), d.scope(), d.timestamp(),
          d.engineVersion(), d.reason(), d.outcome(), d.details());
      forged.add(AuditChain.link(altered, i + 1L, forged.get(i - 1).hash()));
    }
    var engine = engineOver(b, forged);
    assertTrue(engine.audit().verify(b.admin()).valid(), "a consistently re-linked tail verifies on its own");
    AuditVerification withHead = engine.audit().verify(b.admin(), printed);
    assertFalse(withHead.valid());
    assertEquals(n, withHead.firstBrokenSeq().getAsLong(), withHead.toString());
  }

  @Example
  @Tag("A3")
  @Tag("I5")
  @Label("A3: an untampered view through the decorator verifies (the decorator itself changes nothing)")
  void untamperedView_verifies() {
    Built b = build(List.of(0, 1, 2, 3, 4, 5, 6));
    var engine = engineOver(b, b.events());
    AuditVerification v = engine.audit().verify(b.admin());
    assertTrue(v.valid(), v.toString());
    assertEquals(b.events().size(), v.eventsVerified());
    assertTrue(engine.audit().verify(b.admin(), v.head().orElseThrow()).valid());
  }

  // ------------------------------------------------------------------ tamperings

  enum Kind {
    MODIFY,
    INSERT,
    DELETE,
    SWAP
  }

  enum Field {
    SEQ,
    ACTION,
    ACTOR,
    RESOURCE,
    SCOPE,
    TIMESTAMP,
    ENGINE_VERSION,
    REASON,
    OUTCOME,
    DETAIL,
    PREV_HASH,
    HASH
  }

  /** How an inserted event is forged. */
  enum Forgery {
    /** Right position and link, wrong hash: fails at its own seq. */
    CLUMSY,
    /** A correctly linked and hashed event at seq k: the break shows at the displaced original, k + 1. */
    LINKED,
    /** As LINKED, and every later event renumbered: the displaced original no longer links, at k + 1. */
    LINKED_RENUMBERED
  }

  record Applied(List<AuditEvent> events, long firstBrokenSeq, String description) {}

  /**
   * One alteration. With {@code rehash}, a modified event also gets a freshly computed hash of its
   * altered fields: it is then consistent in itself, and the break shows at the next event, whose
   * {@code prev_hash} no longer links (the newest event is excluded: that is the truncation case).
   */
  record Tampering(Kind kind, Field field, Forgery forgery, boolean rehash, int posPick) {
    Applied apply(List<AuditEvent> events) {
      int n = events.size();
      List<AuditEvent> out = new ArrayList<>(events);
      switch (kind) {
        case MODIFY -> {
          if (rehash && field != Field.SEQ && field != Field.PREV_HASH && field != Field.HASH) {
            int i = posPick % (n - 1);
            AuditEvent m = modify(events.get(i), field);
            out.set(i, withHash(m, AuditChain.computeHash(m)));
            return new Applied(out, i + 2, "change of " + field + " at seq " + (i + 1) + ", re-hashed");
          }
          int i = posPick % n;
          out.set(i, modify(events.get(i), field));
          return new Applied(out, i + 1, "change of " + field + " at seq " + (i + 1));
        }
        case DELETE -> {
          int i = posPick % (n - 1); // deleting the newest is truncation, checked separately
          out.remove(i);
          return new Applied(out, i + 1, "deletion of seq " + (i + 1));
        }
        case SWAP -> {
          int i = posPick % (n - 1);
          out.set(i, events.get(i + 1));
          out.set(i + 1, events.get(i));
          return new Applied(out, i + 1, "swap of seq " + (i + 1) + " and " + (i + 2));
        }
        case INSERT -> {
          // before the original event at seq i + 1. A linked forgery before the newest event takes the
          // head's seq: the reference verify without a head names n + 1, the engine (which checks the
          // store's head record) rightly names n — the property compares each with its own reference.
          int i = posPick % n;
          AuditEvent template = events.get(i);
          Hash prev = template.prevHash();
          AuditDraft draft =
              AuditDraft.of("key.revoked", "dk_forgedforgedforgedforged", "forged-resource", Optional.empty(),
                  template.timestamp(), template.engineVersion(), ReasonCode.COMPROMISED, AuditOutcome.SUCCESS, Map.of());
          AuditEvent forged = AuditChain.link(draft, i + 1L, prev);
          long broken = i + 2;
          if (forgery == Forgery.CLUMSY) {
            forged = withHash(forged, flip(forged.hash()));
            broken = i + 1;
          }
          out.add(i, forged);
          if (forgery == Forgery.LINKED_RENUMBERED) {
            for (int j = i + 1; j < out.size(); j++) {
              out.set(j, withSeq(out.get(j), out.get(j).seq() + 1));
            }
          }
          return new Applied(out, broken, forgery + " insertion before seq " + (i + 1));
        }
      }
      throw new AssertionError(kind);
    }
  }

  @Provide
  Arbitrary<Tampering> tamperings() {
    return Combinators.combine(
            Arbitraries.of(Kind.class), Arbitraries.of(Field.class), Arbitraries.of(Forgery.class),
            Arbitraries.of(false, true), Arbitraries.integers().between(0, 1000))
        .as(Tampering::new);
  }

  static AuditEvent modify(AuditEvent e, Field field) {
    return switch (field) {
      case SEQ -> withSeq(e, e.seq() + 1);
      case ACTION -> copy(e, b -> b.action = e.action().equals("bond.created") ? "bond.revoked" : "bond.created");
      case ACTOR -> copy(e, b -> b.actor = e.actor().equals(AuditEvent.SYSTEM_ACTOR) ? "dk_x" : AuditEvent.SYSTEM_ACTOR);
      case RESOURCE -> copy(e, b -> b.resource = e.resource() + "x");
      case SCOPE -> copy(e, b -> b.scope = e.scope().isPresent() ? Optional.empty() : Optional.of(e.actor()));
      case TIMESTAMP -> copy(e, b -> b.timestamp = e.timestamp().plus(Duration.ofMillis(1)));
      case ENGINE_VERSION -> copy(e, b -> b.engineVersion = e.engineVersion() + "-patched");
      case REASON -> copy(e, b -> b.reason = e.reason().equals(ReasonCode.NONE) ? ReasonCode.COMPROMISED : ReasonCode.NONE);
      case OUTCOME -> copy(e, b -> b.outcome = e.outcome() == AuditOutcome.SUCCESS ? AuditOutcome.DENIED : AuditOutcome.SUCCESS);
      case DETAIL -> copy(e, b -> {
        TreeMap<String, String> d = new TreeMap<>(e.details());
        if (d.isEmpty()) {
          d.put("forged", "1");
        } else {
          d.put(d.firstKey(), d.firstEntry().getValue() + "x");
        }
        b.details = d;
      });
      case PREV_HASH -> copy(e, b -> b.prevHash = flip(e.prevHash()));
      case HASH -> withHash(e, flip(e.hash()));
    };
  }

  /** The mutable fields of an event copy. */
  static final class Fields {
    long seq;
    String action;
    String actor;
    String resource;
    Optional<String> scope;
    java.time.Instant timestamp;
    String engineVersion;
    ReasonCode reason;
    AuditOutcome outcome;
    Map<String, String> details;
    Hash prevHash;
    Hash hash;
  }

  static AuditEvent copy(AuditEvent e, java.util.function.Consumer<Fields> change) {
    Fields f = new Fields();
    f.seq = e.seq();
    f.action = e.action();
    f.actor = e.actor();
    f.resource = e.resource();
    f.scope = e.scope();
    f.timestamp = e.timestamp();
    f.engineVersion = e.engineVersion();
    f.reason = e.reason();
    f.outcome = e.outcome();
    f.details = e.details();
    f.prevHash = e.prevHash();
    f.hash = e.hash(); // the stored hash stays: the tamperer cannot re-hash the whole rest of the chain
    change.accept(f);
    return new AuditEvent(f.seq, f.action, f.actor, f.resource, f.scope, f.timestamp, f.engineVersion, f.reason,
        f.outcome, new TreeMap<>(f.details), f.prevHash, f.hash);
  }

  static AuditEvent withSeq(AuditEvent e, long seq) {
    return copy(e, f -> f.seq = seq);
  }

  static AuditEvent withHash(AuditEvent e, Hash hash) {
    return copy(e, f -> f.hash = hash);
  }

  static Hash flip(Hash h) {
    byte[] b = h.toByteArray();
    b[b.length - 1] ^= 1;
    return Hash.of(b);
  }

  // ------------------------------------------------------------------ building a chain

  record Built(TestEngine t, BeakKey admin, List<AuditEvent> events) {}

  /** Runs random governance actions (successes and audited denials) and returns the stored chain. */
  Built build(List<Integer> ops) {
    TestEngine t = new TestEngine();
    open.add(t);
    BeakKey admin = t.bootstrap().key().key();
    BeakKey op = t.operator(admin, "Olive");
    HatchResult plain = t.hatch("Plain");
    List<BondResult> agents = new ArrayList<>();
    List<KeyId> agentKeys = new ArrayList<>();
    int i = 0;
    for (int o : ops) {
      i++;
      try {
        switch (o) {
          case 0 -> t.hatch("Duck " + i);
          case 1 -> {
            BondResult r = t.bond(op, "Agent " + i, i % 2 == 0 ? Tier.T0 : Tier.T1);
            agents.add(r);
            agentKeys.add(r.key().info().id());
          }
          case 2 -> {
            if (!agentKeys.isEmpty()) {
              int j = i % agentKeys.size();
              agentKeys.set(j, t.engine.keys().rotate(op, agentKeys.get(j)).info().id());
            }
          }
          case 3 -> {
            if (!agents.isEmpty()) {
              t.engine.bonds().revoke(op, agents.get(i % agents.size()).bond().id(), ReasonCode.NO_LONGER_NEEDED);
            }
          }
          case 4 -> t.bond(plain.key().key(), "Denied", Tier.T0); // Forbidden: audited as DENIED
          case 5 -> {
            if (!agents.isEmpty()) {
              t.engine.identities().promote(op, agents.get(i % agents.size()).agent().id(), Tier.T2);
            }
          }
          default -> {
            if (!agentKeys.isEmpty()) {
              t.engine.keys().revoke(admin, agentKeys.get(i % agentKeys.size()), ReasonCode.COMPROMISED);
            }
          }
        }
      } catch (SpaceDuckException refusedAsDesigned) {
        // the chain only needs to be varied: refusals (audited or not) are part of a random history
      }
      t.clock.advance(Duration.ofMillis(1_234L * o + 1));
    }
    List<AuditEvent> events = t.storage.auditRange(1, 10_000);
    assertTrue(AuditChain.verify(events.iterator(), Optional.empty()).valid());
    return new Built(t, admin, events);
  }

  /** An engine over the same store (and KEK) whose audit reads see {@code view}. */
  io.spaceduck.api.SpaceDuck engineOver(Built b, List<AuditEvent> view) {
    TestEngine e = new TestEngine(new TamperedView(b.t().storage, view), b.t().kek, x -> {});
    open.add(e);
    return e.engine;
  }

  /**
   * Delegates everything to the real store, but answers audit reads from a fixed, altered list (in
   * list order, so a swap or a renumbering is presented as the tamperer left it). Closing it leaves
   * the real store open.
   */
  static final class TamperedView extends ForwardingStorage {
    private final List<AuditEvent> view;

    TamperedView(Storage real, List<AuditEvent> view) {
      super(real);
      this.view = List.copyOf(view);
    }

    @Override
    public String describe() {
      return "tampered view of " + delegate.describe();
    }

    @Override
    public Optional<AuditHead> auditHead() {
      return view.isEmpty() ? Optional.empty() : Optional.of(view.get(view.size() - 1).head());
    }

    /**
     * The tree of the view's own events: a store-level forger rewrites the stored tree nodes with the
     * events (one that does not is caught by verify's check of the nodes against the events).
     */
    @Override
    public Optional<io.spaceduck.api.Hash> auditSubtree(int level, long index) {
      return io.spaceduck.storage.AuditTreeNodes.fromEvents(this, level, index);
    }

    @Override
    public List<AuditEvent> auditRange(long fromSeq, int limit) {
      // positions, not seq values: the tampered list is served as stored
      int from = (int) Math.max(0, Math.min(view.size(), fromSeq - 1));
      return List.copyOf(view.subList(from, Math.min(view.size(), from + limit)));
    }

    @Override
    public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
      List<AuditEvent> out = new ArrayList<>();
      for (int i = (int) Math.max(0, Math.min(view.size(), afterSeq)); i < view.size() && out.size() < limit; i++) {
        if (filter.matches(view.get(i))) {
          out.add(view.get(i));
        }
      }
      return out;
    }

    @Override
    public void close() {
      // the real store belongs to the TestEngine that built the chain
    }
  }
}
