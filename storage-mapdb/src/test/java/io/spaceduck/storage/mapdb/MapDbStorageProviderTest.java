package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Storages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening by URI through {@link java.util.ServiceLoader}: the {@code mapdb:} forms and what is refused. */
class MapDbStorageProviderTest {
  @TempDir Path dir;

  @Test
  void absoluteUri_opensThroughServiceLoader() {
    Path file = dir.resolve("a.db");
    try (Storage s = Storages.open("mapdb:" + file, Map.of())) {
      assertInstanceOf(MapDbStorage.class, s);
      assertEquals("mapdb:" + file.toAbsolutePath(), s.describe());
    }
  }

  @Test
  void fileUriForm_andRelativeForm_nameTheSameFile() {
    Path file = dir.resolve("b.db");
    assertEquals(file, MapDbStorageProvider.pathOf("mapdb://" + file));
    Path relative = MapDbStorageProvider.pathOf("mapdb:data/store.db");
    assertEquals(Path.of("data/store.db"), relative);
    assertTrue(!relative.isAbsolute(), "resolved against the working directory when opened");
  }

  @Test
  void uriWithoutFile_isRefused() {
    StorageException e = assertThrows(StorageException.class, () -> Storages.open("mapdb:", Map.of()));
    assertTrue(e.getMessage().contains("names no file"), e.getMessage());
  }

  @Test
  void uriWithHost_isRefused() {
    assertThrows(StorageException.class, () -> MapDbStorageProvider.pathOf("mapdb://somehost/x.db"));
  }

  @Test
  void unknownOptions_areRefused() {
    StorageException e =
        assertThrows(StorageException.class, () -> Storages.open("mapdb:" + dir.resolve("c.db"), Map.of("cache", "big")));
    assertTrue(e.getMessage().contains("takes one option, cacheSize"), e.getMessage());
    e = assertThrows(StorageException.class, () -> Storages.open("mapdb:" + dir.resolve("c.db") + "?cache=5", Map.of()));
    assertTrue(e.getMessage().contains("one URI parameter"), e.getMessage());
    e = assertThrows(StorageException.class, () -> Storages.open("mapdb:" + dir.resolve("c.db") + "?cacheSize=5&x=1", Map.of()));
    assertTrue(e.getMessage().contains("one URI parameter"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("c.db")), "a refused URI opens no file");
  }

  @Test
  void cacheSize_fromTheUriOrTheOptions() {
    Path file = dir.resolve("d.db");
    try (Storage s = Storages.open("mapdb:" + file + "?cacheSize=0", Map.of())) {
      assertEquals(0, ((MapDbStorage) s).cacheSize());
      assertEquals("mapdb:" + file.toAbsolutePath(), s.describe(), "the parameter is not part of the file name");
    }
    try (Storage s = Storages.open("mapdb:" + file, Map.of("cacheSize", "123"))) {
      assertEquals(123, ((MapDbStorage) s).cacheSize());
    }
    try (Storage s = Storages.open("mapdb:" + file, Map.of())) {
      assertEquals(MapDbStorage.DEFAULT_CACHE_SIZE, ((MapDbStorage) s).cacheSize());
    }
    try (Storage s = Storages.open("mapdb:" + file + "?cacheSize=7", Map.of("cacheSize", "7"))) {
      assertEquals(7, ((MapDbStorage) s).cacheSize());
    }
  }

  @Test
  void invalidCacheSizes_areRefused() {
    for (String bad : new String[] {"-1", "", "1e3", "+5", "007", "2147483648", " 5"}) {
      StorageException e =
          assertThrows(StorageException.class, () -> Storages.open("mapdb:" + dir.resolve("e.db"), Map.of("cacheSize", bad)), bad);
      assertTrue(e.getMessage().contains("cacheSize must be"), e.getMessage());
    }
    StorageException e =
        assertThrows(
            StorageException.class, () -> Storages.open("mapdb:" + dir.resolve("e.db") + "?cacheSize=5", Map.of("cacheSize", "6")));
    assertTrue(e.getMessage().contains("given twice"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MapDbStorage.open(dir.resolve("e.db"), -1));
  }

  @Test
  void otherSchemes_areNotThisProvider() {
    MapDbStorageProvider p = new MapDbStorageProvider();
    assertEquals("mapdb", p.scheme());
    assertTrue(p.accepts("mapdb:/x"));
    assertTrue(!p.accepts("memory:"));
    assertThrows(IllegalArgumentException.class, () -> p.open("memory:", Map.of()));
  }
}
