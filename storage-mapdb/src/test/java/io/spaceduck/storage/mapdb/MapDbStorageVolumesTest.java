package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Tables;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MapDB makes a scratch volume for every commit; the store's volume factory must not keep them
 * reachable once the store is open — it did, one per commit for the life of the store, which the
 * server's soak (HttpSoakTest) showed as a heap growing ≈ 110 bytes per write.
 */
class MapDbStorageVolumesTest {
  @TempDir Path dir;

  @Test
  void manyCommits_leaveNoVolumeRememberedByTheFactory() {
    try (MapDbStorage store = MapDbStorage.open(dir.resolve("v.db"))) {
      assertEquals(0, store.trackedVolumes(), "after open");
      for (int i = 0; i < 200; i++) {
        String name = "k" + i;
        store.execute(tx -> {
          tx.insert(Tables.META, new MetaRecord(name, "v"));
          tx.appendAudit(Fixtures.draft("unit", name, Map.of()));
          return name;
        });
      }
      assertEquals(0, store.trackedVolumes(), "after 200 commits");
    }
  }
}
