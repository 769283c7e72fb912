package io.spaceduck.storage;

/**
 * One atomic unit: reads and conditional writes through a {@link Transaction}, committed together
 * with its audit appends or not at all.
 *
 * <p>A store may run a unit more than once (after a conflict or a serialization failure) and may run
 * it on another thread, so a unit must have no effect outside the transaction except through its
 * return value, and must not block on other units.
 */
@FunctionalInterface
public interface UnitOfWork<T> {
  T run(Transaction tx);
}
