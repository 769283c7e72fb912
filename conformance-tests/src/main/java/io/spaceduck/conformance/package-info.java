/**
 * The storage conformance kit: a main artifact that every storage backend puts in its test scope.
 * Open {@link io.spaceduck.conformance.StorageContract} first: a backend's test extends it once and
 * implements {@code newStorage()}, and jqwik then checks CAS, atomic units (I4) and the audit chain
 * (A1, A3–A5) against that store, including a stateful check against a reference model. {@link
 * io.spaceduck.conformance.StorageArbitraries} holds the generators of valid records and audit drafts
 * for later kits. Depends on {@code storage-spi}, {@code engine-api}, jqwik and JUnit only.
 */
@NullMarked
package io.spaceduck.conformance;

import org.jspecify.annotations.NullMarked;
