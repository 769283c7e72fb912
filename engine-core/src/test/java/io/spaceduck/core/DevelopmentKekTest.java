package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /** The base64 key material inside a Tink JSON keyset file. */
  private static String keyMaterial(Path file) throws Exception {
    Matcher m = Pattern.compile("\"value\"\\s*:\\s*\"([^\"]+)\"").matcher(Files.readString(file));
    assertTrue(m.find(), "a Tink keyset holds its key as a base64 value");
    return m.group(1);
  }

  /**
   * Issue 15 #10 (as ssh refuses a private key others can read): a KEK file with any permission bit
   * for its group or other users is refused before it is used, with a message that says how to fix
   * it and holds no key material. Tests run as root, which bypasses access checks but not mode bits.
   */
  @ParameterizedTest
  @ValueSource(strings = {"rw-r--r--", "rw-r-----", "rw----r--", "rw--w----", "rw------x", "rwx--x---", "r--r--r--"})
  @Tag("I8")
  void kekFileOpenToOthers_isRefused_withTheFix_andNoKeyMaterial(String mode) throws Exception {
    Path file = dir.resolve("kek.json");
    DevelopmentKek.fromFile(file); // created 600
    String key = keyMaterial(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    SecurityException e = assertThrows(SecurityException.class, () -> DevelopmentKek.fromFile(file));
    assertTrue(e.getMessage().contains("chmod 600 " + file.toAbsolutePath()), e.getMessage());
    assertTrue(e.getMessage().contains(mode), e.getMessage());
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains(key), "no key material in the refusal");
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    DevelopmentKek.fromFile(file); // the advice works
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-------", "r--------"})
  void kekFileForItsOwnerOnly_isAccepted(String mode) throws Exception {
    Path file = dir.resolve("kek.json");
    KekSource created = DevelopmentKek.fromFile(file);
    byte[] sealed = created.encrypt(new byte[] {1, 2, 3}, new byte[0]);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    assertArrayEquals(new byte[] {1, 2, 3}, DevelopmentKek.fromFile(file).decrypt(sealed, new byte[0]));
  }

  /** A refused file is refused before it is parsed: a too-open garbage file names the mode, not its content. */
  @Test
  void tooOpenFile_isRefusedBeforeItIsRead() throws Exception {
    Path file = dir.resolve("kek.json");
    Files.writeString(file, "{\"bk_secret\": 1}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    SecurityException e = assertThrows(SecurityException.class, () -> DevelopmentKek.fromFile(file));
    assertFalse(e.getMessage().contains("bk_secret"));
  }

  /** A private file that is not a keyset: the refusal names the file, never its content, and has no cause that might. */
  @Test
  void garbageKekFile_isRefused_withoutEchoingItsContent() throws Exception {
    Path file = dir.resolve("kek.json");
    Files.writeString(file, "{\"primaryKeyId\": \"bk_s3cr3tmaterial\", \"key\": [");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DevelopmentKek.fromFile(file));
    assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    assertNull(e.getCause());
  }

  /** A KEK the engine creates is private from its first byte and stays so (umask cannot add bits). */
  @Test
  void createdKek_isOwnerOnly() throws Exception {
    Path file = dir.resolve("new/kek.json");
    DevelopmentKek.fromFile(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }
}
