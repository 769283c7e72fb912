package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitCommandTest {
  @TempDir Path dir;

  @Test
  void init_printsTheAdminKeyOnce_asJson() {
    DuckRunner duck = new DuckRunner(dir);
    DuckRunner.Result r = duck.run("init", "--email", "ada@example.org", "--json").ok();
    assertTrue(r.out().startsWith("{\"admin_key\":\"bk_"), r.out());
    assertEquals(1, r.lines().size());
    String key = r.json("admin_key");
    assertTrue(DuckRunner.RAW_KEY.matcher(key).matches());
    assertFalse(r.err().contains(key), "the key goes to stdout only");
    assertTrue(r.json("admin_id").startsWith("dk_"));
    // the key works: whoami as admin
    DuckRunner.Result me = duck.as(key, "whoami").ok();
    assertEquals("T2", me.field("tier"));
    assertEquals("admin", me.field("roles"));
  }

  @Test
  void init_human_showsFieldsAndReminds() {
    DuckRunner duck = new DuckRunner(dir);
    DuckRunner.Result r = duck.run("init", "--name", "Ada", "--email", "ada@example.org").ok();
    assertTrue(r.field("admin key").startsWith("bk_"));
    assertEquals("Ada", r.field("display name"));
    assertTrue(r.err().contains("shown once"), r.err());
  }

  @Test
  @Tag("K1")
  void init_keyOut_writesAPrivateFileAndPrintsNoKey() throws Exception {
    DuckRunner duck = new DuckRunner(dir);
    DuckRunner.Result r = duck.run("init", "--email", "ada@example.org", "--key-out", "admin.key", "--json").ok();
    Path file = dir.resolve("admin.key");
    assertFalse(DuckRunner.RAW_KEY.matcher(r.out() + r.err()).find(), "no key in the output");
    assertEquals(dir.resolve("admin.key").toString(), r.json("admin_key_file"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    duck.run("whoami", "--key-file", "admin.key").ok();
  }

  @Test
  void init_twice_isRejected() {
    DuckRunner duck = new DuckRunner(dir);
    duck.init();
    DuckRunner.Result again = duck.run("init", "--email", "eve@example.org").fails(ExitCodes.REJECTED);
    assertTrue(again.err().contains("rejected"), again.err());
    assertEquals("", again.out());
  }

  @Test
  void init_withoutEmail_isAUsageError() {
    new DuckRunner(dir).run("init").fails(ExitCodes.USAGE);
  }

  @Test
  void init_keyOutInAMissingDirectory_isRefusedBeforeAnythingHappens() {
    DuckRunner duck = new DuckRunner(dir);
    duck.run("init", "--email", "ada@example.org", "--key-out", "no/such/dir/admin.key").fails(ExitCodes.USAGE);
    assertFalse(Files.exists(dir.resolve("store.db")), "no store was created");
    duck.init(); // and the store can still be initialised
  }

  @Test
  void init_malformedEmail_isInvalidInput_namingTheFieldOnly() {
    DuckRunner.Result r = new DuckRunner(dir).run("init", "--email", "not-an-address").fails(ExitCodes.INVALID_INPUT);
    assertTrue(r.err().contains("email"), r.err());
    assertFalse(r.err().contains("not-an-address"), "the value is not echoed: " + r.err());
  }
}
