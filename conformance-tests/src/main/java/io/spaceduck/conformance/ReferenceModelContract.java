package io.spaceduck.conformance;

import static io.spaceduck.conformance.Pulses.pulse;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.state.ActionChain;

/**
 * The stateful check: random sequences of units — inserts, fresh and stale updates, deletes, checks,
 * audit appends, units that throw — and of pulses recorded and swept run against a fresh store and a
 * reference model ({@link StoreModel}); after every step the outcome and every row, index, the audit
 * chain and every agent's pulses equal the model's (I4, A5, CAS, U1). Implemented by {@link
 * StorageContract}; see {@link StorageConcern}.
 */
public interface ReferenceModelContract extends StorageConcern {
  /** Random sequences of units against a fresh store and its reference model. */
  @Provide
  default Arbitrary<ActionChain<StoreModel>> storeChains() {
    return ActionChain.startWith(() -> new StoreModel(stores().open()))
        .withAction(6, new StoreModel.UnitAction())
        .withAction(2, new StoreModel.PulseAction())
        .withAction(1, new StoreModel.SweepAction())
        .withMaxTransformations(ConformanceTries.chainLength(40));
  }

  /**
   * Random sequences of units — inserts, fresh and stale updates, deletes and checks, audit appends,
   * units that throw — and of pulses recorded and swept, against a reference model (a map of key to
   * value and version, the expected chain, the expected pulses): after every step the outcome
   * (commit, conflict, thrown; the sweep's count) is the model's, and every row, index, the whole
   * audit chain and every agent's latest pulse and history equal the model's.
   */
  @Property(tries = 50)
  @Tag("I4")
  @Tag("A5")
  @Tag("CAS")
  @Tag("U1")
  @Label("I4 A5 CAS U1 random unit and pulse sequences match the reference model")
  default void stateful_storeMatchesReferenceModel(@ForAll("storeChains") ActionChain<StoreModel> chain) {
    chain.withInvariant("store equals model", StoreModel::assertMatchesStore).run();
  }
}
