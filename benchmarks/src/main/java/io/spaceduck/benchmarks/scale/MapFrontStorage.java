package io.spaceduck.benchmarks.scale;

import io.spaceduck.benchmarks.ForwardingStorage;
import io.spaceduck.storage.AuthenticationRows;
import io.spaceduck.storage.Storage;
import java.util.HashMap;
import java.util.Map;

/**
 * The floor of {@link Storage#authenticationRows} for {@link ScaleBenchmark}: the rows of the key ids
 * recorded at set-up, served from a plain {@link HashMap} — the same decoded rows any store returns,
 * without a cache's bookkeeping, coherence checks or K6's decoy reads. Not a store: it serves rows as
 * they were when recorded (the benchmark never changes them) and everything else goes to the store.
 * What it costs with 9,000 callers against 100,000 is what touching that many chains costs the engine
 * itself, whatever the store.
 */
final class MapFrontStorage extends ForwardingStorage {
  private final Map<String, AuthenticationRows> recorded = new HashMap<>();
  private volatile boolean recording;

  MapFrontStorage(Storage store) {
    super(store);
  }

  /**
   * Records the rows of every call {@code calls} makes, then serves them: {@code calls} must ask for
   * exactly {@code chains} distinct key ids. Set-up is single-threaded; the volatile write that ends the
   * recording publishes the map to the measuring threads.
   */
  void recordDuring(Runnable calls, int chains) {
    recording = true;
    try {
      calls.run();
    } finally {
      recording = false;
    }
    if (recorded.size() != chains) {
      throw new IllegalStateException(recorded.size() + " chains recorded for " + chains + " agents");
    }
  }

  @Override
  public AuthenticationRows authenticationRows(String keyId, String decoyIdentity, String decoyBond) {
    if (recording) {
      AuthenticationRows rows = store.authenticationRows(keyId, decoyIdentity, decoyBond);
      recorded.put(keyId, rows);
      return rows;
    }
    AuthenticationRows rows = recorded.get(keyId);
    return rows != null ? rows : store.authenticationRows(keyId, decoyIdentity, decoyBond);
  }
}
