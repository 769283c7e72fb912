package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Pulse;
import io.spaceduck.conformance.EngineContract;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import net.jqwik.api.Example;
import net.jqwik.api.Label;
import net.jqwik.api.Tag;

/**
 * The engine contract has teeth: stores broken in ways only the engine's use of them reveals are
 * caught by the governance chains within the property's declared tries, and every chain that caught
 * one passes on the in-memory reference store. Runs {@value #DEFAULT_RUNS} seeds per store in CI;
 * {@code -Dspaceduck.conformance.detection.runs=50} measures (the figures in docs/conformance.md), one
 * line each: {@code tries to detection | store | property | runs | median | max}. A jqwik class because
 * action chains run only on jqwik threads.
 */
class EngineContractTeethTest {
  private static final int DEFAULT_RUNS = 3;
  private static final int RUNS = Integer.getInteger("spaceduck.conformance.detection.runs", DEFAULT_RUNS);
  private static final int DECLARED_TRIES = 30; // EngineContract.governance_matchesModel

  private static EngineContract contractOver(UnaryOperator<Storage> breakage) {
    return new EngineContract() {
      @Override
      protected Storage newStorage() {
        return breakage.apply(new InMemoryStorage());
      }
    };
  }

  private static void measure(String store, UnaryOperator<Storage> breakage) throws Exception {
    BiConsumer<EngineContract, Random> trial =
        (c, r) -> c.governance_matchesModel(c.governanceChains().generator(DECLARED_TRIES).next(r).value());
    EngineContract broken = contractOver(breakage);
    EngineContract reference = contractOver(s -> s);
    Random seeds = new Random(20_260_101L ^ store.hashCode());
    List<Integer> tries = new ArrayList<>();
    for (int run = 0; run < RUNS; run++) {
      int caughtAt = 0;
      for (int t = 1; t <= DECLARED_TRIES && caughtAt == 0; t++) {
        long seed = seeds.nextLong();
        try {
          trial.accept(broken, new Random(seed));
        } catch (AssertionError caught) {
          caughtAt = t;
          try {
            trial.accept(reference, new Random(seed)); // the same chain passes on the reference store
          } finally {
            reference.closeEngines();
          }
        } finally {
          broken.closeEngines();
        }
      }
      assertTrue(caughtAt > 0, store + " survived " + DECLARED_TRIES + " governance chains (run " + run + ")");
      tries.add(caughtAt);
    }
    Collections.sort(tries);
    System.out.printf("tries to detection | %s | governance_matchesModel | %d runs | median %d | max %d | declared %d%n",
        store, RUNS, tries.get((tries.size() - 1) / 2), tries.get(tries.size() - 1), DECLARED_TRIES);
  }

  /** Broken (I3, K4): a read-through cache of key records that never learns of a revocation or rotation. */
  static final class RevocationBlindStorage extends ForwardingStorage {
    private final Map<String, Versioned<KeyRecord>> cache = new ConcurrentHashMap<>();

    RevocationBlindStorage(Storage delegate) {
      super(delegate);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      if (table != Tables.KEYS) {
        return delegate.get(table, key);
      }
      Optional<Versioned<KeyRecord>> fresh = delegate.get(Tables.KEYS, key);
      fresh.ifPresent(v -> cache.putIfAbsent(key, v));
      return (Optional<Versioned<V>>) (Optional<?>) Optional.ofNullable(cache.get(key));
    }
  }

  /** Broken (A1, I4): silently drops the audit events of denied attempts. */
  static final class DeniedEventsDroppedStorage extends ForwardingStorage {
    DeniedEventsDroppedStorage(Storage delegate) {
      super(delegate);
    }

    @Override
    public <T> T execute(UnitOfWork<T> unit) {
      return delegate.execute(tx -> unit.run(new ForwardingTransaction(tx) {
        @Override
        public void appendAudit(AuditDraft draft) {
          if (draft.outcome() != AuditOutcome.DENIED) {
            super.appendAudit(draft);
          }
        }
      }));
    }
  }

  /** Broken (U1, U2): the TTL sweep also deletes latest pulses older than its cutoff. */
  static final class LatestPulseSweptStorage extends ForwardingStorage {
    private final Map<io.spaceduck.api.AgentId, Pulse> latest = new ConcurrentHashMap<>();

    LatestPulseSweptStorage(Storage delegate) {
      super(delegate);
    }

    @Override
    public void recordPulse(Pulse pulse) {
      super.recordPulse(pulse);
      latest.merge(pulse.agent(), pulse, (old, fresh) -> fresh.at().isBefore(old.at()) ? old : fresh);
    }

    @Override
    public Optional<Pulse> latestPulse(io.spaceduck.api.AgentId agent) {
      return Optional.ofNullable(latest.get(agent));
    }

    @Override
    public int deletePulsesBefore(Instant cutoff) {
      latest.values().removeIf(p -> p.at().isBefore(cutoff));
      return super.deletePulsesBefore(cutoff);
    }
  }

  @Example
  @Tag("I3")
  @Tag("K4")
  @Label("I3 K4 the governance chains catch a store whose key lookup never sees a revocation")
  void revocationBlindStore_isCaught() throws Exception {
    measure("RevocationBlindStorage", RevocationBlindStorage::new);
  }

  @Example
  @Tag("A1")
  @Tag("I4")
  @Label("A1 I4 the governance chains catch a store that drops the audit events of denied attempts")
  void deniedEventsDropped_isCaught() throws Exception {
    measure("DeniedEventsDroppedStorage", DeniedEventsDroppedStorage::new);
  }

  @Example
  @Tag("U1")
  @Tag("U2")
  @Label("U1 U2 the governance chains catch a store whose pulse sweep deletes latest pulses")
  void latestPulseSwept_isCaught() throws Exception {
    measure("LatestPulseSweptStorage", LatestPulseSweptStorage::new);
  }
}
