package io.spaceduck.conformance;

import io.spaceduck.storage.Storage;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the storage contract's concerns get from a backend's test ({@link StorageContract}): clean
 * stores from its factory, each remembered so that it is closed after the try, and the capabilities it
 * declares. A case that needs a capability calls {@link #require}; one that needs the commit-fault seam
 * calls {@link #commitFaults()}.
 *
 * <p>Opening goes through the contract's {@link TryFence}: once a property has ended (only jqwik's
 * background shrinking still runs tries then), opening refuses with {@link IllegalStateException}.
 * Thread-safe as the fence is; the backend's factory is called on the calling thread.
 */
public final class ContractStores {
  private final TryFence fence;
  private final Supplier<Storage> factory;
  private final Supplier<Set<StoreCapability>> capabilities;
  private final Supplier<Optional<CommitFaults>> commitFaults;

  ContractStores(
      TryFence fence,
      Supplier<Storage> factory,
      Supplier<Set<StoreCapability>> capabilities,
      Supplier<Optional<CommitFaults>> commitFaults) {
    this.fence = Objects.requireNonNull(fence, "fence");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
    this.commitFaults = Objects.requireNonNull(commitFaults, "commitFaults");
  }

  /**
   * A new, empty, open store from the backend's factory ({@link StorageContract#newStorage()}), closed
   * after the try.
   *
   * @throws IllegalStateException once the property has ended
   */
  public Storage open() {
    return open(factory, "newStorage()");
  }

  /**
   * A store that {@code opener} opens (e.g. one of {@link CommitFaults}'s), closed after the try like
   * those of {@link #open()}.
   *
   * @param what names {@code opener} in the failure if it returns null
   * @throws IllegalStateException once the property has ended
   */
  public Storage open(Supplier<Storage> opener, String what) {
    return fence.open(() -> Objects.requireNonNull(opener.get(), what + " returned null"));
  }

  /**
   * What the backend declares, checked: {@link StoreCapability#COMMIT_FAULTS} needs {@link
   * StoreCapability#DURABLE} and a seam from {@link StorageContract#commitFaults()}, and a seam needs
   * the capability declared (else the cases that use it would be skipped without anyone noticing).
   *
   * @throws AssertionError if the declaration contradicts itself
   */
  public Set<StoreCapability> capabilities() {
    Set<StoreCapability> declared = EnumSet.noneOf(StoreCapability.class);
    declared.addAll(Objects.requireNonNull(capabilities.get(), "capabilities() returned null"));
    boolean seam = commitFaults.get().isPresent();
    if (declared.contains(StoreCapability.COMMIT_FAULTS) && !declared.contains(StoreCapability.DURABLE)) {
      throw new AssertionError("capabilities() declares COMMIT_FAULTS without DURABLE: a store that can be reopened keeps its data");
    }
    if (declared.contains(StoreCapability.COMMIT_FAULTS) != seam) {
      throw new AssertionError(
          seam
              ? "commitFaults() offers a seam but capabilities() does not declare COMMIT_FAULTS: declare it, or the cases that need it never run"
              : "capabilities() declares COMMIT_FAULTS but commitFaults() is empty");
    }
    return Set.copyOf(declared);
  }

  /**
   * Returns normally if the store declares every one of {@code needed}; else the running case does not
   * apply to it.
   *
   * @throws NotApplicable naming the capabilities the store does not declare
   * @throws AssertionError if the declaration contradicts itself ({@link #capabilities()})
   */
  public void require(StoreCapability... needed) {
    Set<StoreCapability> missing = EnumSet.noneOf(StoreCapability.class);
    missing.addAll(Arrays.asList(needed));
    missing.removeAll(capabilities());
    if (!missing.isEmpty()) {
      throw new NotApplicable(missing);
    }
  }

  /**
   * The backend's commit-fault seam.
   *
   * @throws NotApplicable unless the store declares {@link StoreCapability#DURABLE} and {@link
   *     StoreCapability#COMMIT_FAULTS}
   */
  public CommitFaults commitFaults() {
    require(StoreCapability.DURABLE, StoreCapability.COMMIT_FAULTS);
    return commitFaults.get().orElseThrow();
  }
}
