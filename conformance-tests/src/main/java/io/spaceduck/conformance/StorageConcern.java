package io.spaceduck.conformance;

/**
 * One concern of the storage contract: a set of jqwik properties and examples, written as default
 * methods, about one part of what a {@link io.spaceduck.storage.Storage} promises. A concern reaches
 * the backend only through {@link #stores()}: the stores it opens, and what the backend declares.
 *
 * <p>A backend never implements a concern itself: its test extends {@link StorageContract}, which
 * implements all of them, so jqwik finds every property of every concern on that one class.
 */
public interface StorageConcern {
  /** The stores of the running try and the backend's declared capabilities. */
  ContractStores stores();
}
