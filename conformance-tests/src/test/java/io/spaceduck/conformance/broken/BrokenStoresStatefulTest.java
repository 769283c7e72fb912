package io.spaceduck.conformance.broken;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.conformance.StorageContract;
import io.spaceduck.conformance.StoreModel;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.util.function.UnaryOperator;
import net.jqwik.api.Example;
import net.jqwik.api.Label;
import net.jqwik.api.Tag;
import net.jqwik.api.state.ActionChain;

/**
 * The stateful check has teeth: random unit sequences, run against a reference model, catch a store
 * that leaks a write of a failed unit, a store whose compare-and-set lets the last writer win and a
 * store whose key lookup keeps returning a record from before its revocation, while the reference
 * store passes them. A jqwik class because action chains run only on jqwik
 * threads.
 */
class BrokenStoresStatefulTest {
  private static final int CHAINS = 40;

  private static StorageContract contractOver(UnaryOperator<Storage> breakage) {
    return new StorageContract() {
      @Override
      protected Storage newStorage() {
        return breakage.apply(new InMemoryStorage());
      }
    };
  }

  /** How many of {@code chains} random chains the stateful property fails on; stops at the first if asked. */
  private static int failures(StorageContract contract, int chains, boolean stopAtFirst) {
    int failed = 0;
    try {
      for (int i = 0; i < chains && !(stopAtFirst && failed > 0); i++) {
        ActionChain<StoreModel> chain = contract.storeChains().sample();
        try {
          contract.stateful_storeMatchesReferenceModel(chain);
        } catch (AssertionError expected) {
          failed++;
        }
        contract.closeStores();
      }
    } finally {
      contract.closeStores();
    }
    return failed;
  }

  @Example
  @Tag("I4")
  @Label("I4 the stateful check catches a store that leaks a write of a failed unit")
  void leakyStore_failsStatefulCheck() {
    assertTrue(failures(contractOver(LeakyStorage::new), CHAINS, true) > 0, CHAINS + " random unit sequences never caught the leak");
  }

  @Example
  @Tag("CAS")
  @Label("CAS the stateful check catches a last-writer-wins store")
  void lastWriterWins_failsStatefulCheck() {
    assertTrue(failures(contractOver(LastWriterWinsStorage::new), CHAINS, true) > 0, CHAINS + " random unit sequences never caught the lost update");
  }

  @Example
  @Tag("K4")
  @Tag("I3")
  @Label("K4 I3 the stateful check catches a store whose key lookup returns a pre-revocation record")
  void staleKeyRead_failsStatefulCheck() {
    assertTrue(failures(contractOver(StaleKeyReadStorage::new), CHAINS, true) > 0, CHAINS + " random unit sequences never caught the stale key read");
  }

  @Example
  @Label("the same random unit sequences pass on the reference store")
  void referenceStore_passesStatefulCheck() {
    int failed = failures(contractOver(s -> s), 15, false);
    assertTrue(failed == 0, failed + " random unit sequences failed on the reference store");
  }
}
