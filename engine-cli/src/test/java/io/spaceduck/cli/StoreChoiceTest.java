package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.conformance.MutableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code --store}, {@code --kek-file} and their environment variables resolve. */
class StoreChoiceTest {
  private static final Path CWD = Path.of("/work/here");

  private static Context ctx(Map<String, String> env) {
    return new Context(env, CWD, new MutableClock(DuckRunner.EPOCH), System.in, new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter()));
  }

  @Test
  void default_isSpaceduckDbInTheWorkingDirectory_withADevelopmentKekBesideIt() {
    StoreChoice c = StoreChoice.resolve(ctx(Map.of()), null, null);
    assertEquals("mapdb:/work/here/spaceduck.db", c.uri());
    assertEquals(Path.of("/work/here/spaceduck.db.dev-kek.json"), c.kekFile());
    assertTrue(c.defaultKek());
  }

  @Test
  void option_beatsEnvironment_beatsDefault() {
    Map<String, String> env = Map.of("SPACEDUCK_STORE", "env.db", "SPACEDUCK_KEK_FILE", "/keys/env-kek.json");
    StoreChoice fromEnv = StoreChoice.resolve(ctx(env), null, null);
    assertEquals("mapdb:/work/here/env.db", fromEnv.uri());
    assertEquals(Path.of("/keys/env-kek.json"), fromEnv.kekFile());
    assertFalse(fromEnv.defaultKek());
    StoreChoice fromOption = StoreChoice.resolve(ctx(env), "sub/opt.db", Path.of("k.json"));
    assertEquals("mapdb:/work/here/sub/opt.db", fromOption.uri());
    assertEquals(Path.of("/work/here/k.json"), fromOption.kekFile());
  }

  @Test
  void mapdbUris_becomeAbsolute() {
    assertEquals("mapdb:/work/here/a.db", StoreChoice.resolve(ctx(Map.of()), "mapdb:a.db", null).uri());
    assertEquals("mapdb:/abs/a.db", StoreChoice.resolve(ctx(Map.of()), "mapdb:///abs/a.db", null).uri());
  }

  @Test
  void jdbcUrls_passThroughUnchanged_withASharedDevelopmentKek() {
    String url = "jdbc:postgresql://db.internal:5432/spaceduck?user=duck&password=s3cret";
    StoreChoice c = StoreChoice.resolve(ctx(Map.of()), url, null);
    assertEquals(url, c.uri());
    assertNull(c.file());
    assertEquals(Path.of("/work/here/spaceduck-dev-kek.json"), c.kekFile());
    assertEquals("jdbc:postgresql://db.internal:5432/spaceduck?…", c.describe());
    assertEquals("jdbc:h2:/data/x", StoreChoice.resolve(ctx(Map.of("SPACEDUCK_STORE", "jdbc:h2:/data/x")), null, null).uri());
  }

  @Test
  void redact_dropsUserInfoAndParameters() {
    assertEquals("jdbc:mariadb://***@db:3306/x", StoreChoice.redact("jdbc:mariadb://root:pw@db:3306/x"));
    assertEquals("jdbc:h2:/data/x?…", StoreChoice.redact("jdbc:h2:/data/x;PASSWORD=pw"));
    assertEquals("jdbc:h2:mem:x", StoreChoice.redact("jdbc:h2:mem:x"));
  }

  @Test
  void windowsLikeNamesAndDotSlashNames_arePaths() {
    assertEquals("mapdb:/work/here/C:x.db", StoreChoice.resolve(ctx(Map.of()), "C:x.db", null).uri());
    assertEquals("mapdb:/work/here/foo:bar", StoreChoice.resolve(ctx(Map.of()), "./foo:bar", null).uri());
  }

  @Test
  void anUnknownScheme_isRefused_notTakenForAFileName() {
    CliException e = assertThrows(CliException.class, () -> StoreChoice.resolve(ctx(Map.of()), "foo:bar", null));
    assertEquals(ExitCodes.CONFIG, e.exitCode());
    assertTrue(e.getMessage().contains("'foo:'"), e.getMessage());
  }
}
