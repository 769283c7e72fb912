package io.spaceduck.conformance;

import io.spaceduck.storage.Storage;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterTry;

/**
 * The storage conformance kit: jqwik properties that every {@link Storage} must satisfy. A backend's
 * test module extends this class once, implements {@link #newStorage()} and declares what its store
 * supports beyond the plain SPI ({@link #capabilities()}, none by default):
 *
 * <pre>{@code
 * class MyStorageContractTest extends StorageContract {
 *   @Override
 *   protected Storage newStorage() {
 *     return MyStorage.openEmpty(); // a clean store: a new file, schema or database each time
 *   }
 * }
 * }</pre>
 *
 * <p>This class is only the entry point: it holds no property of its own but implements every
 * concern of the contract, each an interface of default-method properties that reads on its own —
 *
 * <ul>
 *   <li>{@link UnitContract}: units and versions — misses, versions and compare-and-set, a failed unit
 *       leaves no trace, a unit's isolation, failures after the commit point (SPI, CAS, I4);
 *   <li>{@link IndexContract}: indexes and uniqueness — a unique index judged on a unit's end state (H4);
 *   <li>{@link AuditChainContract}: the audit chain — gapless, linked, verifiable, ranges and queries
 *       (A1, A3, A4);
 *   <li>{@link ConcurrencyContract}: many threads at once — no lost update, one chain, paging while
 *       others append, no half-moved row (A5, CAS, I4);
 *   <li>{@link SerializabilityContract}: units submitted together end as some serial order would
 *       (H4, K4, CAS);
 *   <li>{@link PulseContract}: pulses and their sweep (U1, U3);
 *   <li>{@link CodecContract}: hostile bytes and strings through the record codecs (codec, A3);
 *   <li>{@link ReferenceModelContract}: random unit sequences against a reference model (I4, A5, CAS, U1);
 *   <li>{@link ReadAfterCommitContract}: a read that starts after {@code execute} returned sees the unit,
 *       on every thread, while others read the row — what a record cache must not break (I3, K4).
 * </ul>
 *
 * — so jqwik finds all of them on the backend's one subclass. Each property is tagged with the SPEC
 * rule it proves and, where the guarantee is the SPI's own, with {@code SPI}, {@code CAS} or {@code
 * codec}; a run can select tags (with Surefire: {@code -Dgroups=A5}).
 *
 * <p><b>Capabilities.</b> A case that needs a capability ({@link StoreCapability}) runs only on a store
 * that declares it, and reports that it does not apply ({@link NotApplicable}) on any other.
 *
 * <p><b>Tries.</b> Each property declares modest tries so the kit runs in seconds; set the system
 * property {@value ConformanceTries#PROPERTY} (base 100) to scale all of them, e.g. {@code
 * -Dspaceduck.conformance.tries=2000} for a nightly run. <b>Stores.</b> Every store the kit opens is
 * closed after its try ({@link #closeStores()}); properties also close their own. Each property is a
 * public method, so a backend's test can also call one directly with fixed inputs to reproduce a
 * failure (the kit's own tests do that against deliberately broken stores).
 *
 * <p>Not thread-safe as an object (jqwik runs one try at a time); the concurrency properties start
 * their own threads and join them before returning.
 */
@AddLifecycleHook(ConformanceTries.class)
public abstract class StorageContract
    implements UnitContract,
        IndexContract,
        AuditChainContract,
        ConcurrencyContract,
        SerializabilityContract,
        PulseContract,
        CodecContract,
        ReferenceModelContract,
        ReadAfterCommitContract {
  /** The stores of the running try; see {@link TryFence} for why a property's end is fenced. */
  final TryFence fence = new TryFence();

  private final ContractStores stores = new ContractStores(fence, this::newStorage, this::capabilities, this::commitFaults);

  /** For subclasses: a backend's test. */
  protected StorageContract() {}

  /** A new, empty, open store. Called once or more per try; the kit closes what it opens. */
  protected abstract Storage newStorage();

  /**
   * What the store supports beyond the plain SPI; none by default (a store in memory). The cases that
   * need a capability run only when it is declared; see {@link StoreCapability}.
   */
  protected Set<StoreCapability> capabilities() {
    return EnumSet.noneOf(StoreCapability.class);
  }

  /**
   * The seam of {@link StoreCapability#COMMIT_FAULTS}: stores whose next commit can be made to fail
   * right after its commit point, and that can be opened again over the same data (see {@link
   * CommitFaults}). Empty by default; a backend that declares {@code COMMIT_FAULTS} returns it here (the
   * kit refuses one without the other). A backend with a journal, a write-ahead log or a database commit
   * should: those cases are where a store most easily tells a caller "not applied" about a unit that is
   * durable.
   */
  protected Optional<CommitFaults> commitFaults() {
    return Optional.empty();
  }

  /** What the concerns open stores with; the same object for the contract's life. */
  @Override
  public final ContractStores stores() {
    return stores;
  }

  /**
   * Opens a store through {@link #newStorage()} and remembers it for {@link #closeStores()}.
   *
   * @throws IllegalStateException once the property has ended: only jqwik's shrinking, going on in the
   *     background after its time bound, still runs tries then, and it must not touch a store the next
   *     property uses ({@link TryFence})
   */
  protected final Storage openStore() {
    return stores.open();
  }

  /** Closes every store opened during the try (closing twice is allowed by the SPI). */
  @AfterTry
  public void closeStores() {
    try {
      fence.closeAll();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e); // Storage.close() throws no checked exception
    }
  }
}
