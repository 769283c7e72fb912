package io.spaceduck.benchmarks;

import io.spaceduck.storage.Storage;

/**
 * A store as it is, except that {@link Storage#authenticationRows} is the SPI's default — three keyed
 * reads, one round trip each on JDBC — instead of the store's own: the authentication path before
 * issue 19, kept selectable so that both are measured in one run ({@code JdbcEngineBenchmark}).
 */
final class ThreeReadStorage extends ForwardingStorage {
  ThreeReadStorage(Storage store) {
    super(store);
  }
}
