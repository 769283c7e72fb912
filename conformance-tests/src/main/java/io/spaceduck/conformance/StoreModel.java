package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.Block;
import io.spaceduck.api.BondId;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Hash;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Tier;
import io.spaceduck.conformance.StorageArbitraries.TableValue;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.Transformer;

/**
 * The state of the kit's stateful check: a store under test and the reference model it must match —
 * a map from (table, key) to value and version, and the expected audit chain (linked with {@link
 * AuditChain#link}). Rows come from small pools of keys and index keys so that units collide often:
 * three meta names, four contacts sharing two blind indexes, agents and ducklings under two
 * operators, two keys of one duckling that get revoked and restored, two pecks moving between
 * targets and in and out of the open states, and blocks of three agents on the platform's and one
 * operator's list. Pulses of two agents at a handful of instants are recorded and swept between the
 * units, and each agent's latest pulse and history are compared too.
 *
 * <p>One instance per action chain; not thread-safe.
 */
public final class StoreModel {
  private static final List<String> META_NAMES = List.of("m1", "m2", "m3");
  private static final List<DucklingId> CONTACT_IDS =
      List.of(dk('a'), dk('b'), dk('c'), dk('d'));
  private static final List<String> BLIND_INDEXES = List.of("bi-a", "bi-b");
  private static final List<DucklingId> OPERATORS = List.of(dk('o'), dk('p'));
  private static final List<AgentId> AGENT_IDS =
      List.of(new AgentId("ag_" + "e".repeat(26)), new AgentId("ag_" + "f".repeat(26)), new AgentId("ag_" + "g".repeat(26)));
  private static final List<DucklingId> DUCKLING_IDS = List.of(dk('h'), dk('i'));
  private static final Instant AT = Instant.parse("2025-03-01T12:00:00.123456789Z");
  private static final List<PeckId> PECK_IDS = List.of(new PeckId("pk_" + "j".repeat(16)), new PeckId("pk_" + "k".repeat(40)));
  private static final AgentId REQUESTER = new AgentId("ag_" + "l".repeat(26));
  private static final List<KeyId> KEY_IDS = List.of(new KeyId("u".repeat(16)), new KeyId("v".repeat(16)));
  private static final List<Optional<DucklingId>> BLOCK_OWNERS = List.of(Optional.empty(), Optional.of(dk('o')));
  /** Two agents that pulse and one that never does. */
  private static final List<AgentId> PULSE_AGENTS =
      List.of(Pulses.PULSE_AGENTS.get(0), Pulses.PULSE_AGENTS.get(1), Pulses.SILENT_AGENT);
  /** Few instants, so that equal instants (ties) and sweeps at a pulse's very instant are common. */
  private static final List<Instant> PULSE_TIMES =
      List.of(AT, AT.plusNanos(1), AT.plusSeconds(1), AT.plusSeconds(2), AT.plusSeconds(2).plusNanos(1), AT.minusSeconds(5));

  private static DucklingId dk(char c) {
    return new DucklingId("dk_" + String.valueOf(c).repeat(26));
  }

  /** A primary-key slot. */
  private record Row(Table<?> table, String key) {
    static Row of(TableValue<?> v) {
      return new Row(v.table(), v.key());
    }

    @Override
    public String toString() {
      return table.name() + "[" + key + "]";
    }
  }

  private static final List<Row> ALL_ROWS = allRows();

  private static List<Row> allRows() {
    List<Row> out = new ArrayList<>();
    META_NAMES.forEach(n -> out.add(new Row(Tables.META, n)));
    CONTACT_IDS.forEach(d -> out.add(new Row(Tables.CONTACTS, d.value())));
    AGENT_IDS.forEach(a -> out.add(new Row(Tables.IDENTITIES, a.value())));
    DUCKLING_IDS.forEach(d -> out.add(new Row(Tables.IDENTITIES, d.value())));
    KEY_IDS.forEach(k -> out.add(new Row(Tables.KEYS, k.value())));
    PECK_IDS.forEach(p -> out.add(new Row(Tables.PECKS, p.value())));
    for (Optional<DucklingId> owner : BLOCK_OWNERS) {
      AGENT_IDS.forEach(a -> out.add(new Row(Tables.BLOCKS, Tables.blockKey(owner, a))));
    }
    return List.copyOf(out);
  }

  private final Storage store;
  private final Map<Row, Versioned<?>> rows = new HashMap<>();
  private final List<AuditEvent> events = new ArrayList<>();
  /** Pulses recorded and not swept, in record order. */
  private final List<Pulse> pulses = new ArrayList<>();
  /** Each agent's latest pulse: the newest recorded (of equal instants the later), never swept (U1). */
  private final Map<AgentId, Pulse> latest = new HashMap<>();

  StoreModel(Storage store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  // ---------------------------------------------------------------- units

  /** One operation of a unit. {@code pinned} empty: use the version {@code tx.get} returns. */
  private sealed interface Op permits Insert, Update, Delete, Check {}

  private record Insert(TableValue<?> row) implements Op {
    @Override
    public String toString() {
      return "insert " + row;
    }
  }

  private record Update(TableValue<?> next, OptionalLong pinned) implements Op {
    @Override
    public String toString() {
      return "update " + next + " @" + (pinned.isPresent() ? pinned.getAsLong() : "current");
    }
  }

  private record Delete(TableValue<?> row, OptionalLong pinned) implements Op {
    @Override
    public String toString() {
      return "delete " + Row.of(row) + " @" + (pinned.isPresent() ? pinned.getAsLong() : "current");
    }
  }

  private record Check(TableValue<?> row, OptionalLong pinned) implements Op {
    @Override
    public String toString() {
      return "check " + Row.of(row) + " @" + (pinned.isPresent() ? pinned.getAsLong() : "current");
    }
  }

  private record Unit(List<Op> ops, List<AuditDraft> drafts, boolean throwsAtEnd) {
    @Override
    public String toString() {
      return "unit" + ops + " + " + drafts.size() + " audit" + (throwsAtEnd ? " then throws" : "");
    }
  }

  private enum Outcome {
    COMMITTED,
    CONFLICT,
    THROWN
  }

  /** What the model predicts for a unit: its outcome, the rows after it, and the unit's fresh reads. */
  private record Prediction(Outcome outcome, Map<Row, Versioned<?>> rowsAfter, List<Optional<Versioned<?>>> reads) {}

  private Prediction predict(Unit u) {
    Map<Row, Versioned<?>> sim = new HashMap<>(rows);
    List<Optional<Versioned<?>>> reads = new ArrayList<>();
    boolean conflict = false;
    for (Op op : u.ops()) {
      if (op instanceof Insert i) {
        Row r = Row.of(i.row());
        if (sim.containsKey(r)) {
          conflict = true;
        }
        sim.put(r, new Versioned<>(i.row().value(), 1));
      } else if (op instanceof Update up) {
        Row r = Row.of(up.next());
        Versioned<?> cur = sim.get(r);
        if (up.pinned().isEmpty()) {
          reads.add(Optional.ofNullable(cur));
          if (cur != null) {
            sim.put(r, new Versioned<>(up.next().value(), cur.version() + 1));
          }
        } else {
          long p = up.pinned().getAsLong();
          if (cur == null || cur.version() != p) {
            conflict = true;
          }
          sim.put(r, new Versioned<>(up.next().value(), p + 1));
        }
      } else if (op instanceof Delete d) {
        Row r = Row.of(d.row());
        Versioned<?> cur = sim.get(r);
        if (d.pinned().isEmpty()) {
          reads.add(Optional.ofNullable(cur));
        } else if (cur == null || cur.version() != d.pinned().getAsLong()) {
          conflict = true;
        }
        sim.remove(r);
      } else if (op instanceof Check c) {
        Row r = Row.of(c.row());
        Versioned<?> cur = sim.get(r);
        if (c.pinned().isEmpty()) {
          reads.add(Optional.ofNullable(cur));
        } else if (cur == null || cur.version() != c.pinned().getAsLong()) {
          conflict = true;
        }
      }
    }
    Set<String> blind = new HashSet<>();
    for (Map.Entry<Row, Versioned<?>> e : sim.entrySet()) {
      if (e.getValue().value() instanceof ContactRecord c && c.blindIndex().isPresent() && !blind.add(c.blindIndex().get())) {
        conflict = true;
      }
    }
    Outcome o = u.throwsAtEnd() ? Outcome.THROWN : conflict ? Outcome.CONFLICT : Outcome.COMMITTED;
    return new Prediction(o, sim, reads);
  }

  /** The unit as the store runs it; returns what its fresh reads saw. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<Optional<Versioned<?>>> runUnit(Transaction tx, Unit u) {
    List<Optional<Versioned<?>>> reads = new ArrayList<>();
    for (Op op : u.ops()) {
      if (op instanceof Insert i) {
        tx.insert((Table) i.row().table(), i.row().value());
      } else if (op instanceof Update up) {
        Table t = up.next().table();
        if (up.pinned().isEmpty()) {
          Optional<Versioned<?>> cur = tx.get(t, up.next().key());
          reads.add(cur);
          cur.ifPresent(c -> tx.update(t, (Versioned) c, up.next().value()));
        } else {
          tx.update(t, new Versioned(up.next().value(), up.pinned().getAsLong()), up.next().value());
        }
      } else if (op instanceof Delete d) {
        Table t = d.row().table();
        if (d.pinned().isEmpty()) {
          Optional<Versioned<?>> cur = tx.get(t, d.row().key());
          reads.add(cur);
          cur.ifPresent(c -> tx.delete(t, (Versioned) c));
        } else {
          tx.delete(t, new Versioned(d.row().value(), d.pinned().getAsLong()));
        }
      } else if (op instanceof Check c) {
        Table t = c.row().table();
        if (c.pinned().isEmpty()) {
          Optional<Versioned<?>> cur = tx.get(t, c.row().key());
          reads.add(cur);
          cur.ifPresent(v -> tx.check(t, (Versioned) v));
        } else {
          tx.check(t, new Versioned(c.row().value(), c.pinned().getAsLong()));
        }
      }
    }
    u.drafts().forEach(tx::appendAudit);
    if (u.throwsAtEnd()) {
      throw new UnitAborted();
    }
    return reads;
  }

  private void run(Unit u) {
    Prediction p = predict(u);
    Outcome actual;
    List<Optional<Versioned<?>>> reads = List.of();
    try {
      reads = store.execute(tx -> runUnit(tx, u));
      actual = Outcome.COMMITTED;
    } catch (StorageConflictException e) {
      actual = Outcome.CONFLICT;
    } catch (UnitAborted e) {
      actual = Outcome.THROWN;
    }
    assertEquals(p.outcome(), actual, "outcome of " + u);
    if (actual == Outcome.COMMITTED) {
      assertEquals(p.reads(), reads, "what tx.get saw inside " + u);
      rows.clear();
      rows.putAll(p.rowsAfter());
      for (AuditDraft d : u.drafts()) {
        Hash prev = events.isEmpty() ? Hash.ZERO : events.get(events.size() - 1).hash();
        events.add(AuditChain.link(d, events.size() + 1L, prev));
      }
    }
  }

  // ---------------------------------------------------------------- pulses (U1, U3)

  private void record(Pulse p) {
    store.recordPulse(p);
    pulses.add(p);
    latest.merge(p.agent(), p, (old, fresh) -> fresh.at().isBefore(old.at()) ? old : fresh);
  }

  private void sweep(Instant cutoff) {
    int expected = (int) pulses.stream().filter(p -> p.at().isBefore(cutoff)).count();
    assertEquals(expected, store.deletePulsesBefore(cutoff), "count returned by deletePulsesBefore(" + cutoff + ")");
    pulses.removeIf(p -> p.at().isBefore(cutoff));
  }

  /**
   * Asserts that every row, all indexes, the whole audit chain and every agent's pulses (latest and
   * history) of the store equal the model's.
   */
  void assertMatchesStore() {
    for (AgentId a : PULSE_AGENTS) {
      assertEquals(Optional.ofNullable(latest.get(a)), store.latestPulse(a), "latest pulse of " + a);
      assertEquals(Pulses.expectedHistory(pulses, a), store.pulseHistory(a, Integer.MAX_VALUE), "pulse history of " + a);
    }
    for (Row r : ALL_ROWS) {
      assertEquals(Optional.ofNullable(rows.get(r)), store.get(r.table(), r.key()), "row " + r);
    }
    for (String b : BLIND_INDEXES) {
      assertEquals(expectedFindBy(Tables.CONTACTS_BY_BLIND_INDEX, b), store.findBy(Tables.CONTACTS_BY_BLIND_INDEX, b), "contacts by blind index " + b);
    }
    for (DucklingId op : OPERATORS) {
      assertEquals(
          expectedFindBy(Tables.IDENTITIES_BY_OPERATOR, op.value()),
          store.findBy(Tables.IDENTITIES_BY_OPERATOR, op.value()),
          "identities by operator " + op);
    }
    String keyOwner = DUCKLING_IDS.get(0).value();
    assertEquals(expectedFindBy(Tables.KEYS_BY_OWNER, keyOwner), store.findBy(Tables.KEYS_BY_OWNER, keyOwner), "keys by owner");
    assertEquals(expectedFindBy(Tables.PECKS_BY_OPEN, Tables.OPEN), store.findBy(Tables.PECKS_BY_OPEN, Tables.OPEN), "open pecks");
    for (AgentId a : AGENT_IDS) {
      assertEquals(expectedFindBy(Tables.PECKS_BY_TARGET, a.value()), store.findBy(Tables.PECKS_BY_TARGET, a.value()), "pecks by target " + a);
    }
    for (Optional<DucklingId> owner : BLOCK_OWNERS) {
      String key = owner.map(DucklingId::value).orElse(Tables.PLATFORM);
      assertEquals(expectedFindBy(Tables.BLOCKS_BY_OWNER, key), store.findBy(Tables.BLOCKS_BY_OWNER, key), "blocks by owner " + key);
    }
    assertEquals(events, store.auditRange(1, Integer.MAX_VALUE), "audit chain");
    Optional<AuditHead> head = events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1).head());
    assertEquals(head, store.auditHead(), "audit head");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private List<Versioned<?>> expectedFindBy(Index<?> index, String key) {
    return rows.entrySet().stream()
        .filter(e -> e.getKey().table() == index.table())
        .filter(e -> ((Index) index).keyOf(e.getValue().value()).equals(Optional.of(key)))
        .sorted(Comparator.comparing(e -> e.getKey().key()))
        .map(Map.Entry::getValue)
        .collect(Collectors.toList());
  }

  @Override
  public String toString() {
    return "StoreModel[" + rows.size() + " rows, " + events.size() + " audit events, " + pulses.size() + " pulses]";
  }

  // ---------------------------------------------------------------- generation

  // Arbitraries are immutable; built once because a chain asks for a unit at every step.
  private static final Arbitrary<TableValue<?>> POOL_ROWS = poolRows();
  private static final Arbitrary<List<AuditDraft>> DRAFTS = StorageArbitraries.auditDrafts().list().ofMaxSize(2);
  private static final Arbitrary<Boolean> THROWS = Arbitraries.integers().between(1, 10).map(i -> i == 1);

  private static Arbitrary<TableValue<?>> poolRows() {
    Arbitrary<TableValue<?>> meta =
        Combinators.combine(Arbitraries.of(META_NAMES), Arbitraries.of("a", "b", "ü", "🦆"))
            .as((n, v) -> new TableValue<>(Tables.META, new MetaRecord(n, v)));
    Arbitrary<Optional<Bytes>> email =
        Arbitraries.bytes().array(byte[].class).ofMaxSize(4).map(Bytes::of).optional(0.7);
    Arbitrary<TableValue<?>> contact =
        Combinators.combine(Arbitraries.of(CONTACT_IDS), Arbitraries.of(BLIND_INDEXES).optional(0.6), email)
            .as((d, b, e) -> new TableValue<>(Tables.CONTACTS, new ContactRecord(d, b, e)));
    Arbitrary<TableValue<?>> agent =
        Combinators.combine(Arbitraries.of(AGENT_IDS), Arbitraries.of(OPERATORS), Arbitraries.of(Tier.class))
            .as(
                (a, op, tier) ->
                    new TableValue<>(
                        Tables.IDENTITIES,
                        (Identity)
                            new Agent(a, new BondId("bd_" + "q".repeat(26)), op, "agent", tier, IdentityStatus.ACTIVE, AT, new CertId("ct_" + "r".repeat(26)))));
    Arbitrary<TableValue<?>> duckling =
        Combinators.combine(Arbitraries.of(DUCKLING_IDS), Arbitraries.of(Tier.class), Arbitraries.of(IdentityStatus.class))
            .as(
                (d, tier, st) ->
                    new TableValue<>(
                        Tables.IDENTITIES, (Identity) new Duckling(d, "duck", tier, Set.of(), st, AT, new CertId("ct_" + "s".repeat(26)))));
    Arbitrary<TableValue<?>> key =
        Combinators.combine(Arbitraries.of(KEY_IDS), Arbitraries.of(true, false))
            .as(
                (id, revoked) -> {
                  DucklingId owner = DUCKLING_IDS.get(0);
                  KeyInfo info = new KeyInfo(id, owner, Optional.empty(), AT, Optional.empty(), Optional.empty());
                  KeyInfo k = revoked ? info.revoked(new Revocation(owner, AT, ReasonCode.COMPROMISED)) : info;
                  return new TableValue<>(Tables.KEYS, new KeyRecord(k, Bytes.of(new byte[] {7})));
                });
    Arbitrary<TableValue<?>> peck =
        Combinators.combine(Arbitraries.of(PECK_IDS), Arbitraries.of(AGENT_IDS), Arbitraries.of(PeckState.class))
            .as((id, target, state) -> new TableValue<>(Tables.PECKS, peck(id, target, state)));
    Arbitrary<TableValue<?>> block =
        Combinators.combine(Arbitraries.of(AGENT_IDS), Arbitraries.of(BLOCK_OWNERS), Arbitraries.of(ReasonCode.NONE, ReasonCode.BLOCKED))
            .as(
                (blocked, owner, reason) ->
                    new TableValue<>(
                        Tables.BLOCKS, new Block(blocked, owner, owner.map(o -> (IdentityId) o).orElse(DUCKLING_IDS.get(0)), AT, reason)));
    return Arbitraries.frequencyOf(
        Tuple.of(3, meta), Tuple.of(4, contact), Tuple.of(2, agent), Tuple.of(1, duckling), Tuple.of(2, key), Tuple.of(3, peck),
        Tuple.of(1, block));
  }

  /** A peck of {@link #REQUESTER} to {@code target} in {@code state}, with the fields that state implies. */
  private static Peck peck(PeckId id, AgentId target, PeckState state) {
    Peck requested =
        new Peck(id, REQUESTER, OPERATORS.get(0), Optional.empty(), target, new CertId("ct_" + "t".repeat(26)), OPERATORS.get(1),
            Set.of("chat:read"), Duration.ofHours(1), PeckState.REQUESTED, AT, AT.plus(Duration.ofDays(1)), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    Peck accepted = requested.withState(PeckState.ACCEPTED);
    return switch (state) {
      case REQUESTED -> requested;
      case ACCEPTED -> accepted;
      case ACTIVE -> accepted.approved(AT, OPERATORS.get(1), Optional.empty());
      case DECLINED -> requested.ended(state, target.value(), ReasonCode.NONE, Optional.empty());
      case REJECTED -> accepted.ended(state, OPERATORS.get(1).value(), ReasonCode.NONE, Optional.of(OPERATORS.get(1)));
      case EXPIRED -> requested.ended(state, "system", ReasonCode.EXPIRED, Optional.empty());
      case CLOSED -> accepted.approved(AT, OPERATORS.get(1), Optional.empty()).ended(state, REQUESTER.value(), ReasonCode.NONE, Optional.empty());
    };
  }

  private static Arbitrary<OptionalLong> pins(Optional<Versioned<?>> current) {
    Arbitrary<OptionalLong> fresh = Arbitraries.just(OptionalLong.empty());
    if (current.isEmpty()) {
      return Arbitraries.frequencyOf(Tuple.of(2, fresh), Tuple.of(1, Arbitraries.of(1L, 2L).map(OptionalLong::of)));
    }
    long v = current.get().version();
    Arbitrary<OptionalLong> wrong = Arbitraries.of(v > 1 ? v - 1 : v + 1, v + 1).map(OptionalLong::of);
    return Arbitraries.frequencyOf(Tuple.of(3, fresh), Tuple.of(4, Arbitraries.just(OptionalLong.of(v))), Tuple.of(2, wrong));
  }

  private Arbitrary<Op> ops() {
    return POOL_ROWS
        .flatMap(
            row -> {
              Optional<Versioned<?>> cur = Optional.ofNullable(rows.get(Row.of(row)));
              Arbitrary<OptionalLong> pin = pins(cur);
              return Arbitraries.frequencyOf(
                  Tuple.of(3, Arbitraries.just((Op) new Insert(row))),
                  Tuple.of(4, pin.map(p -> (Op) new Update(row, p))),
                  Tuple.of(2, pin.map(p -> (Op) new Delete(row, p))),
                  Tuple.of(2, pin.map(p -> (Op) new Check(row, p))));
            });
  }

  /** Records a pulse of one of two agents at one of a few instants (U1). */
  static final class PulseAction implements Action.Independent<StoreModel> {
    private static final Arbitrary<Transformer<StoreModel>> PULSES =
        Combinators.combine(Arbitraries.of(PULSE_AGENTS.subList(0, 2)), Arbitraries.of(PULSE_TIMES), Arbitraries.of("up", "busy", "🦆"))
            .as((a, at, status) -> {
              Pulse p = Pulses.pulse(a, at, status);
              return Transformer.mutate("recordPulse " + a.value().substring(0, 4) + "… at " + at + " " + status, m -> m.record(p));
            });

    @Override
    public Arbitrary<Transformer<StoreModel>> transformer() {
      return PULSES;
    }
  }

  /** Sweeps pulse history before a cutoff at, just before or just after one of the pulse instants (U1). */
  static final class SweepAction implements Action.Independent<StoreModel> {
    private static final Arbitrary<Transformer<StoreModel>> SWEEPS =
        Combinators.combine(Arbitraries.of(PULSE_TIMES), Arbitraries.of(-1L, 0L, 1L))
            .as((at, nanos) -> {
              Instant cutoff = at.plusNanos(nanos);
              return Transformer.mutate("deletePulsesBefore " + cutoff, m -> m.sweep(cutoff));
            });

    @Override
    public Arbitrary<Transformer<StoreModel>> transformer() {
      return SWEEPS;
    }
  }

  /** Generates one unit from the current model and runs it against store and model. */
  static final class UnitAction implements Action.Dependent<StoreModel> {
    @Override
    public Arbitrary<Transformer<StoreModel>> transformer(StoreModel state) {
      return Combinators.combine(state.ops().list().ofMaxSize(4), DRAFTS, THROWS)
          .as(
              (ops, drafts, throwsAtEnd) -> {
                Unit u = new Unit(List.copyOf(ops), List.copyOf(drafts), throwsAtEnd);
                return Transformer.mutate(u.toString(), m -> m.run(u));
              });
    }
  }
}
