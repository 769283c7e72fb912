package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mistyped {@code --store} creates nothing: every command but {@code init} and {@code demo} refuses
 * a store that does not exist with exit 10 before it writes a file — no store, no directory, no
 * development KEK (checked on the file system afterwards); an unknown scheme is refused with exit 12
 * instead of becoming a file path; {@code init} refuses a missing directory.
 */
class MissingStoreTest {
  @TempDir Path dir;

  private DuckRunner duck() throws IOException {
    DuckRunner duck = new DuckRunner(dir);
    duck.env.remove("SPACEDUCK_STORE");
    duck.env.remove("SPACEDUCK_KEK_FILE"); // the development KEK: the one a run would create beside the store
    duck.env.put("SPACEDUCK_KEY", "bk_aaaaaaaaaaaaaaaa_" + "b".repeat(52));
    duck.write("token.txt", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln\n");
    return duck;
  }

  private Set<String> files() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return new TreeSet<>(s.map(p -> dir.relativize(p).toString()).toList());
    }
  }

  @Test
  void everyCommandButInitAndDemo_onAMissingStore_exits10_andCreatesNothing() throws IOException {
    DuckRunner duck = duck();
    Set<String> before = files();
    List<String> wrong = new ArrayList<>();
    int[] commands = {0};
    CommandTree.leaves(CommandTree.root(dir), leaf -> {
      List<String> args = CommandTree.minimal(leaf.getCommandSpec());
      String name = String.join(" ", CommandTree.path(leaf.getCommandSpec()));
      if (name.equals("init") || name.equals("demo") || name.equals("help")) {
        return;
      }
      if (name.equals("audit witness")) {
        return; // offline: reads a checkpoint file and its own --state, never a store
      }
      if (leaf.getCommandSpec().optionsMap().containsKey("--yes")) {
        args.add("--yes");
      }
      for (String store : List.of("typo.db", "no/such/dir/typo.db", "mapdb:typo2.db", "jdbc:h2:" + dir.resolve("typo-h2"))) {
        List<String> run = new ArrayList<>(List.of("--store", store));
        run.addAll(args);
        DuckRunner.Result r = duck.run(run.toArray(String[]::new));
        r.assertNoStackTrace();
        if (r.code() != ExitCodes.UNAVAILABLE || !r.err().startsWith("duck: unavailable: ")) {
          wrong.add(String.join(" ", run) + " -> exit " + r.code() + ": " + r.err().strip());
        }
      }
      commands[0]++;
    });
    assertEquals(List.of(), wrong);
    assertTrue(commands[0] >= 30, "commands: " + commands[0]);
    assertEquals(before, files(), "a command on a missing store created files");
  }

  @Test
  void jdbcDatabaseWithoutTheSchema_isRefused_andGetsNoSchema() throws Exception {
    String url = "jdbc:h2:" + dir.resolve("empty-h2");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url)) {
      c.createStatement().execute("CREATE TABLE host_table (id INT)"); // a database of the host's, not ours
    }
    DuckRunner duck = duck();
    Set<String> before = files();
    for (String command : List.of("jwks", "audit verify", "whoami")) {
      List<String> run = new ArrayList<>(List.of("--store", url));
      run.addAll(List.of(command.split(" ")));
      DuckRunner.Result r = duck.run(run.toArray(String[]::new));
      r.assertNoStackTrace();
      assertEquals(ExitCodes.UNAVAILABLE, r.code(), command + ": " + r.err());
      assertTrue(r.err().startsWith("duck: unavailable: no Space Duck store at jdbc:h2:") && r.err().contains("duck init"), r.err());
      assertEquals("", r.out(), command);
    }
    assertEquals(before, files(), "no KEK or other file was created");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
        java.sql.ResultSet rs = c.getMetaData().getTables(null, "PUBLIC", "%", new String[] {"TABLE"})) {
      List<String> tables = new ArrayList<>();
      while (rs.next()) {
        tables.add(rs.getString("TABLE_NAME").toLowerCase(java.util.Locale.ROOT));
      }
      assertEquals(List.of("host_table"), tables, "a read-only command created or migrated no schema");
    }
  }

  @Test
  void jwks_onAFreshPath_printsNoFreshlyMintedKeySet() throws IOException {
    DuckRunner duck = duck();
    Set<String> before = files();
    DuckRunner.Result r = duck.run("--store", "fresh.db", "jwks").fails(ExitCodes.UNAVAILABLE);
    assertEquals("", r.out());
    assertTrue(r.err().contains("no store at " + dir.resolve("fresh.db")) && r.err().contains("duck init"), r.err());
    assertEquals(before, files());
  }

  @Test
  void aMemoryStore_isRefusedByCommandsThatNeedAnExistingOne() throws IOException {
    DuckRunner duck = duck();
    Set<String> before = files();
    duck.run("--store", "memory:", "jwks").fails(ExitCodes.UNAVAILABLE);
    assertEquals(before, files(), "not even the shared development KEK");
  }

  @Test
  void anUnknownScheme_isAConfigurationError_notAFileName() throws IOException {
    DuckRunner duck = duck();
    Set<String> before = files();
    DuckRunner.Result r = duck.run("--store", "postgres://db/x", "jwks").fails(ExitCodes.CONFIG);
    assertTrue(r.err().contains("no storage provider for 'postgres:'"), r.err());
    duck.run("--store", "foo:bar", "init", "--email", "a@example.org").fails(ExitCodes.CONFIG);
    assertEquals(before, files());
    // a file name with a colon is still possible, written as a path
    duck.run("--store", "./foo:bar", "init", "--email", "a@example.org", "--key-out", "admin.key").ok();
    assertTrue(Files.isRegularFile(dir.resolve("foo:bar")));
  }

  @Test
  void init_inAMissingDirectory_exits10_andCreatesNothing() throws IOException {
    DuckRunner duck = duck();
    Set<String> before = files();
    DuckRunner.Result r = duck.run("--store", "no/such/dir/x.db", "init", "--email", "a@example.org").fails(ExitCodes.UNAVAILABLE);
    assertTrue(r.err().contains("no such directory"), r.err());
    assertEquals(before, files());
    assertFalse(Files.exists(dir.resolve("no")));
  }

  @Test
  void init_thenEveryOtherCommand_findsTheStore() throws IOException {
    DuckRunner duck = duck();
    duck.run(Map.of("SPACEDUCK_KEY", ""), "", "--store", "real.db", "init", "--email", "a@example.org", "--key-out", "admin.key").ok();
    duck.run(Map.of("SPACEDUCK_KEY", ""), "", "--store", "real.db", "whoami", "--key-file", "admin.key").ok();
    assertTrue(duck.run("--store", "real.db", "jwks").ok().out().startsWith("{\"keys\""));
  }

  @Test
  void init_thenEveryOtherCommand_findsAJdbcStore() throws IOException {
    DuckRunner duck = duck();
    String url = "jdbc:h2:" + dir.resolve("real-h2");
    duck.run(Map.of("SPACEDUCK_KEY", ""), "", "--store", url, "init", "--email", "a@example.org", "--key-out", "admin.key").ok();
    duck.run(Map.of("SPACEDUCK_KEY", ""), "", "--store", url, "whoami", "--key-file", "admin.key").ok();
    assertTrue(duck.run("--store", url, "jwks").ok().out().startsWith("{\"keys\""));
  }
}
