package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.conformance.StorageArbitraries.Lineage;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.IntRange;

/**
 * Concern of the storage contract: <b>a committed write is what the very next read returns</b>, on
 * every thread, while other threads keep reading the same row — the property that a cache of records
 * inside a store (the MapDB store keeps one; see {@code docs/storage.md}) must not break. A store
 * without a cache satisfies it by reading its committed state; a store with one satisfies it only if
 * its writer drops or replaces the cached row at commit, before {@code execute} returns, and no reader
 * can put an older row back afterwards.
 *
 * <p>How it catches a broken cache: reader threads read one row in a loop, so the row is cached (and
 * re-cached) right up to each commit, while one writer walks the row through a lineage of states —
 * insert, updates (a revocation or rotation is an update of the key row), a delete, an insert again.
 * After each {@code execute} returns, the writer publishes the stage number; every read that
 * <em>starts</em> after that, on any thread, must return that stage or a later one, never an earlier
 * one (I3: a revocation is visible to the very next call). The writer also reads the row and its
 * index entries itself right after each commit. Each stage is a distinct {@code Optional<Versioned>},
 * so a stale read is named exactly.
 */
public interface ReadAfterCommitContract extends StorageConcern {
  /** Lineages over every table, with up to 8 updates. */
  @Provide
  default Arbitrary<Lineage<?>> readAfterCommitLineages() {
    return StorageArbitraries.lineages(8);
  }

  /**
   * Readers on other threads, and the writer itself, never read a stage of the row older than the last
   * one whose {@code execute} had returned when the read started; {@code findBy} follows too.
   */
  @Property(tries = 25)
  @Tag("I3")
  @Tag("K4")
  @Label("I3 K4 a read that starts after execute returned sees the unit, on any thread, while others read the row")
  default void readAfterCommit_seesTheUnit_onEveryThread(
      @ForAll("readAfterCommitLineages") Lineage<?> lineage, @ForAll @IntRange(min = 1, max = 3) int readers) {
    try (Storage s = stores().open()) {
      checkReadAfterCommit(s, lineage, readers);
    }
  }

  private static <V> void checkReadAfterCommit(Storage s, Lineage<V> l, int readers) {
    Table<V> t = l.table();
    String key = l.key();
    // the stages the row goes through, each a distinct read result
    List<Optional<Versioned<V>>> stages = new ArrayList<>();
    stages.add(Optional.of(new Versioned<>(l.first(), 1)));
    for (int i = 0; i < l.updates().size(); i++) {
      stages.add(Optional.of(new Versioned<>(l.updates().get(i), i + 2)));
    }
    V last = l.updates().get(l.updates().size() - 1);
    stages.add(Optional.empty()); // deleted (a revoked key that is gone must not be served either)
    stages.add(Optional.of(new Versioned<>(last, 1))); // inserted again: version 1, not the old version + 1

    s.execute(tx -> {
      tx.insert(t, l.first());
      return null;
    });
    AtomicInteger committed = new AtomicInteger(0); // the last stage whose execute has returned
    withReaders(
        readers,
        () -> {
          for (int stage = 1; stage < stages.size(); stage++) {
            Optional<Versioned<V>> before = stages.get(stage - 1);
            Optional<Versioned<V>> after = stages.get(stage);
            s.execute(tx -> {
              if (after.isEmpty()) {
                tx.delete(t, before.orElseThrow());
              } else if (before.isEmpty()) {
                tx.insert(t, after.get().value());
              } else {
                tx.update(t, before.get(), after.get().value());
              }
              return null;
            });
            committed.set(stage);
            // the writer's own next read, and the index entries
            Optional<Versioned<V>> read = s.get(t, key);
            if (!read.equals(after)) {
              throw new AssertionError(staleRead("the writer", stage, read, stages));
            }
            checkIndexes(s, t, key, before, after, stage);
          }
        },
        who -> {
          int floor = committed.get(); // read before the get starts: the get must see at least this
          Optional<Versioned<V>> read = s.get(t, key);
          int seen = stages.subList(floor, stages.size()).indexOf(read);
          if (seen < 0) {
            throw new AssertionError(staleRead(who, floor, read, stages));
          }
        });
    assertEquals(stages.get(stages.size() - 1), s.get(t, key), "the row after the last stage");
  }

  /** One committed change to a row of an authentication chain (see {@link #authenticationChainScenarios}). */
  enum ChainStep {
    REVOKE_KEY,
    REWRITE_KEY_MAC,
    DELETE_KEY,
    INSERT_KEY,
    REVOKE_BOND,
    DELETE_BOND,
    INSERT_BOND,
    BLOCK_OR_UNBLOCK_AGENT,
    REBOND_AGENT,
    INSERT_SECOND_KEY,
    DELETE_SECOND_KEY
  }

  /**
   * An agent with its key and bond, a second bond of the agent's id, the id of a second key of the agent
   * (absent at first), and a walk of single-row changes over them; the decoy identity is the agent or
   * one with no row.
   */
  record ChainScenario(
      io.spaceduck.api.Agent agent,
      io.spaceduck.storage.KeyRecord key,
      io.spaceduck.api.Bond bond,
      io.spaceduck.api.BondId secondBond,
      io.spaceduck.api.KeyId secondKey,
      boolean decoyIsTheAgent,
      List<ChainStep> steps) {}

  @Provide
  default Arbitrary<ChainScenario> authenticationChainScenarios() {
    return net.jqwik.api.Combinators.combine(
            StorageArbitraries.agents(),
            StorageArbitraries.keyRecords(),
            StorageArbitraries.bonds(),
            StorageArbitraries.bondIds(),
            StorageArbitraries.keyIds(),
            net.jqwik.api.Arbitraries.of(true, false),
            net.jqwik.api.Arbitraries.of(ChainStep.class).list().ofMinSize(1).ofMaxSize(10))
        .as((agent, k, b, bond2, key2, decoy, steps) -> {
          io.spaceduck.api.KeyInfo i = k.info();
          io.spaceduck.api.Agent active = agent.withStatus(io.spaceduck.api.IdentityStatus.ACTIVE);
          io.spaceduck.storage.KeyRecord key = new io.spaceduck.storage.KeyRecord(
              new io.spaceduck.api.KeyInfo(i.id(), active.id(), Optional.of(active.bond()), i.createdAt(), i.graceUntil(), Optional.empty()),
              k.mac());
          io.spaceduck.api.Bond bond = new io.spaceduck.api.Bond(active.bond(), active.id(), active.operator(), b.agentName(),
              b.bondedAt(), io.spaceduck.api.BondStatus.ACTIVE, Optional.empty());
          return new ChainScenario(active, key, bond, bond2, key2, decoy, steps);
        })
        .filter(c -> !c.secondBond().equals(c.bond().id()) && !c.secondKey().equals(c.key().info().id()));
  }

  /**
   * {@link Storage#authenticationRows} — the lookup every authentication makes, which a store may serve
   * from a cache of whole chains (the MapDB store does) — sees every committed change to any row of the
   * chain at the very next call, on every thread, while other threads keep authenticating with the
   * same keys (I3: a revoked key or bond, a blocked agent, a deleted key never authenticates again). The
   * writer walks the rows one change at a time: the key revoked, rewritten, deleted and inserted again,
   * the bond revoked, deleted and inserted, the agent blocked and unblocked or moved to another bond, a
   * second key id of the agent inserted and deleted (so a cached "no key row" is dropped too). After
   * each {@code execute} returns, every call that starts must return that stage's chain or a later
   * one: the chain of committed rows, decoys included (K6), computed from a model of the rows.
   */
  @Property(tries = 25)
  @Tag("I3")
  @Tag("K6")
  @Label("I3 K6 authenticationRows sees each committed change to key, identity or bond at the next call, on any thread")
  default void authenticationRows_seeEachCommittedChange_onEveryThread(
      @ForAll("authenticationChainScenarios") ChainScenario scenario, @ForAll @IntRange(min = 0, max = 2) int readers) {
    try (Storage s = stores().open()) {
      checkChainAfterCommit(s, scenario, readers);
    }
  }

  private static void checkChainAfterCommit(Storage s, ChainScenario c, int readers) {
    String decoyIdentity = c.decoyIsTheAgent() ? c.agent().id().value() : "dk_" + "2".repeat(26);
    String decoyBond = "bd_" + "2".repeat(26);
    List<String> keyIds = List.of(c.key().info().id().value(), c.secondKey().value());
    AuthenticationChainModel model = new AuthenticationChainModel();
    model.put(io.spaceduck.storage.Tables.IDENTITIES, c.agent().id().value(), c.agent());
    model.put(io.spaceduck.storage.Tables.KEYS, keyIds.get(0), c.key());
    model.put(io.spaceduck.storage.Tables.BONDS, c.bond().id().value(), c.bond());
    s.execute(tx -> {
      tx.insert(io.spaceduck.storage.Tables.IDENTITIES, c.agent());
      tx.insert(io.spaceduck.storage.Tables.KEYS, c.key());
      tx.insert(io.spaceduck.storage.Tables.BONDS, c.bond());
      return null;
    });
    // the model's rows at each stage, and the chains they give
    List<java.util.Map<String, Versioned<?>>> stages = new java.util.concurrent.CopyOnWriteArrayList<>();
    stages.add(model.snapshot());
    AtomicInteger committed = new AtomicInteger(0);
    withReaders(
        readers,
        () -> {
          // warm whatever the store caches: every chain has been read once before the first change
          readChains(s, keyIds, decoyIdentity, decoyBond);
          for (ChainStep step : c.steps()) {
            List<AuthenticationChainModel.Write> unit = model.step(step, c);
            if (unit.isEmpty()) {
              continue; // not possible in this state (a delete of an absent row, say)
            }
            stages.add(model.snapshot()); // in flight: readers may see it already
            s.execute(tx -> {
              for (AuthenticationChainModel.Write w : unit) {
                w.applyTo(tx);
              }
              return null;
            });
            int stage = stages.size() - 1;
            committed.set(stage);
            // nothing else writes now: the writer's own calls return exactly this stage's chains
            List<io.spaceduck.storage.AuthenticationRows> read = readChains(s, keyIds, decoyIdentity, decoyBond);
            List<io.spaceduck.storage.AuthenticationRows> expected = AuthenticationChainModel.chains(stages.get(stage), keyIds, decoyIdentity, decoyBond);
            if (!read.equals(expected)) {
              throw new AssertionError("stale authentication chain after commit: the writer's call after stage " + stage + " (" + step
                  + ") returned " + read + ", not " + expected);
            }
          }
        },
        who -> {
          for (String keyId : keyIds) {
            int floor = committed.get();
            io.spaceduck.storage.AuthenticationRows read = s.authenticationRows(keyId, decoyIdentity, decoyBond);
            String stale = staleRow(read, keyId, decoyIdentity, decoyBond, stages, floor);
            if (stale != null) {
              throw new AssertionError("stale authentication chain after commit: " + who + " started a call for key id " + keyId
                  + " after stage " + floor + " had committed and got " + stale + " (the whole answer: " + read + ")");
            }
          }
        });
  }

  /**
   * Runs {@code writer} beside {@code readers} threads that each make {@code read} (given its name,
   * "reader i") again and again until the writer has returned; the first failure of any fails the run.
   */
  private static void withReaders(int readers, Runnable writer, java.util.function.Consumer<String> read) {
    AtomicBoolean stop = new AtomicBoolean();
    List<Callable<Integer>> tasks = new ArrayList<>();
    tasks.add(() -> {
      writer.run();
      return 0;
    });
    for (int r = 0; r < readers; r++) {
      String who = "reader " + r;
      tasks.add(
          () -> {
            int reads = 0;
            do {
              read.accept(who);
              reads++;
            } while (!stop.get());
            return reads;
          });
    }
    Concurrently.run(tasks, Concurrently.THREAD_TIMEOUT_SECONDS, 1, () -> stop.set(true));
  }

  /**
   * Which row of a call's answer no stage from {@code floor} on had, or null if none. The rows of one
   * call need not be one snapshot (another unit may commit between them, see {@link
   * Storage#authenticationRows}), so each row is judged on its own: the key row of {@code keyId}, the
   * identity row the chain then names and the bond row that identity names, each as some stage at or
   * after {@code floor} holds it.
   */
  private static @org.jspecify.annotations.Nullable String staleRow(io.spaceduck.storage.AuthenticationRows read, String keyId,
      String decoyIdentity, String decoyBond, List<java.util.Map<String, Versioned<?>>> stages, int floor) {
    var keys = io.spaceduck.storage.Tables.KEYS;
    var identities = io.spaceduck.storage.Tables.IDENTITIES;
    var bonds = io.spaceduck.storage.Tables.BONDS;
    String identityId = io.spaceduck.storage.AuthenticationRows.identityRead(read.key(), decoyIdentity);
    String bondId = io.spaceduck.storage.AuthenticationRows.bondRead(read.identity(), decoyBond);
    if (!seenFrom(stages, floor, AuthenticationChainModel.id(keys, keyId), read.key())) {
      return "a stale key row " + read.key();
    }
    if (!seenFrom(stages, floor, AuthenticationChainModel.id(identities, identityId), read.identity())) {
      return "a stale identity row " + read.identity();
    }
    if (!seenFrom(stages, floor, AuthenticationChainModel.id(bonds, bondId), read.bond())) {
      return "a stale bond row " + read.bond();
    }
    return null;
  }

  private static boolean seenFrom(List<java.util.Map<String, Versioned<?>>> stages, int floor, String row, Optional<? extends Versioned<?>> read) {
    for (int j = floor, n = stages.size(); j < n; j++) { // by index: stages grows meanwhile
      if (Optional.ofNullable(stages.get(j).get(row)).equals(read)) {
        return true;
      }
    }
    return false;
  }

  private static List<io.spaceduck.storage.AuthenticationRows> readChains(
      Storage s, List<String> keyIds, String decoyIdentity, String decoyBond) {
    List<io.spaceduck.storage.AuthenticationRows> out = new ArrayList<>(keyIds.size());
    for (String k : keyIds) {
      out.add(s.authenticationRows(k, decoyIdentity, decoyBond));
    }
    return out;
  }

  private static <V> void checkIndexes(
      Storage s, Table<V> t, String key, Optional<Versioned<V>> before, Optional<Versioned<V>> after, int stage) {
    for (Index<V> idx : t.indexes()) {
      Optional<String> newKey = after.flatMap(v -> idx.keyOf(v.value()));
      Optional<String> oldKey = before.flatMap(v -> idx.keyOf(v.value()));
      if (newKey.isPresent()) {
        List<Versioned<V>> found =
            s.findBy(idx, newKey.get()).stream().filter(v -> t.keyOf(v.value()).equals(key)).toList();
        if (!found.equals(List.of(after.orElseThrow()))) {
          throw new AssertionError(
              "stale read after commit: findBy(" + idx + ") after stage " + stage + " returned " + found + ", not " + after.get());
        }
      }
      if (oldKey.isPresent() && !oldKey.equals(newKey)) {
        boolean listed = s.findBy(idx, oldKey.get()).stream().anyMatch(v -> t.keyOf(v.value()).equals(key));
        if (listed) {
          throw new AssertionError(
              "stale read after commit: findBy(" + idx + ") still lists the row under its old key after stage " + stage);
        }
      }
    }
  }

  private static <V> String staleRead(String who, int floor, Optional<Versioned<V>> read, List<Optional<Versioned<V>>> stages) {
    int at = stages.indexOf(read);
    return "stale read after commit: "
        + who
        + " started a read after stage "
        + floor
        + " had committed ("
        + stages.get(floor)
        + ") and got "
        + (at < 0 ? "a value that no stage had: " + read : "stage " + at + " (" + read + ")");
  }
}
