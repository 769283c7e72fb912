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
 * first run printed): H2 always; PostgreSQL when {@code SPACEDUCK_TEST_POSTGRES_URL} is set (e.g.
 * {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}), skipped with a message otherwise —
 * failed instead when {@code SPACEDUCK_TEST_REQUIRE_DATABASES=true} (CI). It runs in a fresh schema
 * that it drops afterwards, so the database may hold other data.
 */
class DemoOnJdbcTest {
  static final String POSTGRES_ENV = "SPACEDUCK_TEST_POSTGRES_URL";

  @TempDir Path dir;

  @Test
  void demo_onH2_twiceOnOneStore() {
    String url = "jdbc:h2:file:" + dir.resolve("demo-h2").toAbsolutePath();
    org.junit.jupiter.api.Assertions.assertTrue(TestStores.accepts(url), "storage-jdbc is on the class path");
    demoTwice(url);
  }

  @Test
  void demo_onPostgres_twiceOnOneStore() throws SQLException {
    String url = System.getenv(POSTGRES_ENV);
    if ((url == null || url.isBlank()) && "true".equalsIgnoreCase(System.getenv("SPACEDUCK_TEST_REQUIRE_DATABASES"))) {
      org.junit.jupiter.api.Assertions.fail("SPACEDUCK_TEST_REQUIRE_DATABASES=true but " + POSTGRES_ENV + " is not set");
    }
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
