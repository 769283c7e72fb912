package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Storages;
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
  void options_areRefused() {
    StorageException e =
        assertThrows(StorageException.class, () -> Storages.open("mapdb:" + dir.resolve("c.db"), Map.of("cache", "big")));
    assertTrue(e.getMessage().contains("no options"), e.getMessage());
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
