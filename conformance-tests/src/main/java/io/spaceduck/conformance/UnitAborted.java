package io.spaceduck.conformance;

/**
 * The kit's own exception, thrown by a unit on purpose: the store must let it through unchanged and
 * apply nothing of the unit ({@link UnitContract#failedUnit_leavesNoTrace}, {@link StoreModel}).
 */
final class UnitAborted extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UnitAborted() {
    super("unit aborted on purpose by the conformance kit");
  }
}
