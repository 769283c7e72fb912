package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 #10: duck refuses a KEK file other users can read, and says how to fix it. */
class KekFilePermissionsTest {
  @TempDir Path dir;

  @Test
  @Tag("I8")
  void worldReadableKek_isAConfigurationError_thatSaysChmod600() throws Exception {
    DuckRunner duck = new DuckRunner(dir);
    duck.init();
    Path kek = dir.resolve("kek.json");
    String content = Files.readString(kek);
    Files.setPosixFilePermissions(kek, PosixFilePermissions.fromString("rw-r--r--"));
    DuckRunner.Result r = duck.run("jwks").fails(ExitCodes.CONFIG);
    assertTrue(r.err().contains("chmod 600 " + kek.toAbsolutePath()), r.err());
    assertFalse(r.out().contains("\"keys\""), "nothing was done with the refused KEK");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"value\"\\s*:\\s*\"([^\"]+)\"").matcher(content);
    assertTrue(m.find());
    String material = m.group(1);
    assertFalse(r.err().contains(material) || r.out().contains(material), "no key material printed");

    Files.setPosixFilePermissions(kek, PosixFilePermissions.fromString("rw-------"));
    duck.run("jwks").ok();
  }
}
