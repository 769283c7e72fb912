package io.spaceduck.conformance;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.opentest4j.TestAbortedException;

/**
 * Thrown by a case of the kit that needs capabilities the store does not declare ({@link
 * ContractStores#require}): the case does not apply to this store. JUnit and jqwik report it as aborted
 * (skipped) with a message naming the missing capabilities; a test can read them from {@link
 * #missing()} instead of the message. Immutable.
 */
public final class NotApplicable extends TestAbortedException {
  private static final long serialVersionUID = 1L;

  private final Set<StoreCapability> missing;

  NotApplicable(Set<StoreCapability> missing) {
    super(
        "does not apply: the store does not declare "
            + missing.stream().map(StoreCapability::name).collect(Collectors.joining(", "))
            + " (StorageContract.capabilities())");
    this.missing = Set.copyOf(EnumSet.copyOf(missing));
  }

  /** The capabilities the case needs and the store does not declare; never empty. */
  public Set<StoreCapability> missing() {
    return missing;
  }
}
