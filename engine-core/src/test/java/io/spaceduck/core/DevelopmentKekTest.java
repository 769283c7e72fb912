package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.api.spi.KekSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevelopmentKekTest {
  @TempDir Path dir;

  /**
   * Engine instances starting together on one development KEK file (two host processes, or two
   * instances in one JVM) all get the same key: the file appears whole or not at all.
   */
  @Test
  void instancesCreatingOneKekTogetherShareIt() throws Exception {
    Path file = dir.resolve("sub/dev-kek.json");
    int n = 8;
    CyclicBarrier start = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<KekSource>> keks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        keks.add(pool.submit((Callable<KekSource>) () -> {
          start.await();
          return DevelopmentKek.fromFile(file);
        }));
      }
      byte[] ad = "ad".getBytes(StandardCharsets.UTF_8);
      byte[] sealed = keks.get(0).get(30, TimeUnit.SECONDS).encrypt("secret".getBytes(StandardCharsets.UTF_8), ad);
      for (Future<KekSource> k : keks) {
        assertArrayEquals("secret".getBytes(StandardCharsets.UTF_8), k.get(30, TimeUnit.SECONDS).decrypt(sealed, ad));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (var files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList(), "no temporary file left behind");
    }
  }
}
