package io.spaceduck.cli;

import io.spaceduck.storage.StorageProvider;
import java.util.ServiceLoader;

/** Which storage providers the test class path holds (JDBC arrives with the storage-jdbc module). */
final class TestStores {
  private TestStores() {}

  /** Whether a provider on the class path accepts {@code uri}. */
  static boolean accepts(String uri) {
    for (StorageProvider p : ServiceLoader.load(StorageProvider.class, TestStores.class.getClassLoader())) {
      if (p.accepts(uri)) {
        return true;
      }
    }
    return false;
  }

  static boolean jdbcAvailable() {
    return accepts("jdbc:h2:mem:probe");
  }
}
