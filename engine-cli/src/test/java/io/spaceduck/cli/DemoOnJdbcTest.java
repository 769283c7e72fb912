package io.spaceduck.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duck demo} on JDBC stores, run twice on one store (the second time with the admin key the
 * first run printed). Skipped, saying why, until the storage-jdbc module is on the test class path
 * (add it to engine-cli's pom with test scope, with the H2 and PostgreSQL drivers); the PostgreSQL
 * test also needs {@code SPACEDUCK_TEST_POSTGRES_URL}, e.g.
 * {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}. It runs in a fresh schema that it
 * drops afterwards, so the database may hold other data.
 */
class DemoOnJdbcTest {
  static final String POSTGRES_ENV = "SPACEDUCK_TEST_POSTGRES_URL";

  @TempDir Path dir;

  @Test
  void demo_onH2_twiceOnOneStore() {
    String url = "jdbc:h2:file:" + dir.resolve("demo-h2").toAbsolutePath();
    assumeTrue(TestStores.accepts(url),
        "skipped: no storage provider accepts jdbc:h2: URIs on the test class path — add io.spaceduck:storage-jdbc"
            + " (and com.h2database:h2) to engine-cli/pom.xml with test scope to run the demo on H2");
    demoTwice(url);
  }

  @Test
  void demo_onPostgres_twiceOnOneStore() throws SQLException {
    String url = System.getenv(POSTGRES_ENV);
    assumeTrue(url != null && !url.isBlank(),
        "skipped: " + POSTGRES_ENV + " is not set (e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres)");
    assumeTrue(TestStores.accepts(url),
        "skipped: no storage provider accepts jdbc:postgresql: URIs on the test class path — add io.spaceduck:storage-jdbc"
            + " (and org.postgresql:postgresql) to engine-cli/pom.xml with test scope");
    String schema = "duck_cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    try {
      demoTwice(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
    } finally {
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private void demoTwice(String url) {
    DuckRunner duck = new DuckRunner(dir);
    duck.env.put("SPACEDUCK_KEK_FILE", dir.resolve("jdbc-kek.json").toString());
    DuckRunner.Result first = duck.run("demo", "--store", url, "--json").ok();
    String adminKey = first.json("admin_key");
    DemoCommandTest.assertNarrative(duck.run(Map.of("SPACEDUCK_KEY", adminKey), "", "demo", "--store", url).ok());
  }
}
