/**
 * The conformance kit: a main artifact that every backend puts in its test scope (see {@code
 * docs/conformance.md}). Open {@link io.spaceduck.conformance.StorageContract} and {@link
 * io.spaceduck.conformance.EngineContract} first: a backend's test extends each once, implements
 * {@code newStorage()} and declares its store's {@link io.spaceduck.conformance.StoreCapability
 * capabilities}; jqwik then checks the storage SPI's semantics on that store — one concern per
 * interface ({@link io.spaceduck.conformance.UnitContract}, {@link
 * io.spaceduck.conformance.IndexContract}, … against {@link io.spaceduck.conformance.StoreModel}) —
 * and the whole engine running on it (against {@link io.spaceduck.conformance.GovernanceModel} and
 * {@link io.spaceduck.conformance.PeckModel}). {@link io.spaceduck.conformance.ForwardingStorage} is the
 * base for store decorators; {@link io.spaceduck.conformance.MutableClock} and {@link
 * io.spaceduck.conformance.HostileInputs} serve the engine's own tests too. Depends on {@code
 * storage-spi}, {@code engine-api}, jqwik and JUnit only: the engine is found at run time.
 */
@NullMarked
package io.spaceduck.conformance;

import org.jspecify.annotations.NullMarked;
