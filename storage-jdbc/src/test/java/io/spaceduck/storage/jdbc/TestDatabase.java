package io.spaceduck.storage.jdbc;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import org.opentest4j.TestAbortedException;

/**
 * The databases the tests run on. PostgreSQL and MariaDB come from environment variables ({@value
 * #POSTGRES_ENV}, {@value #MARIADB_ENV}: a JDBC URL with credentials, e.g. {@code
 * jdbc:postgresql://127.0.0.1:5432/test?user=postgres}); without them those tests are skipped with a
 * message saying so — unless {@value #REQUIRE_ENV}{@code =true} (set by {@code .ci/run}), when a missing
 * or unreachable database fails the test. H2 runs in-process, always.
 *
 * <p>Every {@link #fresh()} namespace is isolated: a new PostgreSQL schema, a new MariaDB database, a
 * new in-memory H2 database. {@link #drop} removes it again.
 */
enum TestDatabase {
  H2(null),
  POSTGRES("SPACEDUCK_TEST_POSTGRES_URL"),
  MARIADB("SPACEDUCK_TEST_MARIADB_URL");

  static final String POSTGRES_ENV = "SPACEDUCK_TEST_POSTGRES_URL";
  static final String MARIADB_ENV = "SPACEDUCK_TEST_MARIADB_URL";
  static final String REQUIRE_ENV = "SPACEDUCK_TEST_REQUIRE_DATABASES";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String env;

  TestDatabase(String env) {
    this.env = env;
  }

  /** An isolated, empty namespace on this database and the JDBC URL that reaches it. */
  record Namespace(TestDatabase db, String name, String url) {
    Connection admin() throws SQLException {
      return DriverManager.getConnection(url);
    }
  }

  /** The base URL, or aborts (skips) the test — fails it when databases are required. */
  String baseUrl() {
    if (env == null) {
      return "jdbc:h2:mem:";
    }
    String url = System.getenv(env);
    if (url == null || url.isBlank()) {
      String message = name().toLowerCase(Locale.ROOT) + " tests skipped: set " + env
          + " to a JDBC URL (e.g. " + example() + ") to run them";
      if (required()) {
        throw new AssertionError(REQUIRE_ENV + "=true but " + env + " is not set");
      }
      throw new TestAbortedException(message);
    }
    try (Connection c = DriverManager.getConnection(url)) {
      c.isValid(5);
    } catch (SQLException e) {
      if (required()) {
        throw new AssertionError(name() + " at " + JdbcStorage.describe(url) + " is unreachable but required: " + e.getMessage(), e);
      }
      throw new TestAbortedException(name() + " at " + JdbcStorage.describe(url) + " is unreachable, tests skipped: " + e.getMessage());
    }
    return url;
  }

  /**
   * Why this database's tests are skipped (not configured, or unreachable), or empty when they run:
   * the database answers, or databases are required (then {@link #baseUrl()} fails them).
   */
  Optional<String> skipReason() {
    if (env == null || required()) {
      return Optional.empty();
    }
    try {
      baseUrl();
      return Optional.empty();
    } catch (TestAbortedException e) {
      return Optional.of(e.getMessage());
    }
  }

  private String example() {
    return this == POSTGRES ? "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" : "jdbc:mariadb://127.0.0.1:3306/test?user=root";
  }

  static boolean required() {
    return "true".equalsIgnoreCase(Optional.ofNullable(System.getenv(REQUIRE_ENV)).orElse(""));
  }

  Namespace fresh() {
    String name = "sdt_" + Long.toUnsignedString(RANDOM.nextLong(), 36);
    String base = baseUrl();
    try {
      switch (this) {
        case H2 -> {
          return new Namespace(this, name, "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        }
        case POSTGRES -> {
          try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
          }
          return new Namespace(this, name, withParam(base, "currentSchema=" + name));
        }
        case MARIADB -> {
          try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
          }
          return new Namespace(this, name, replaceDatabase(base, name));
        }
        default -> throw new IllegalStateException();
      }
    } catch (SQLException e) {
      throw new AssertionError("cannot create a test namespace on " + this + ": " + e.getMessage(), e);
    }
  }

  void drop(Namespace ns) {
    try {
      switch (this) {
        case H2 -> {
          try (Connection c = DriverManager.getConnection(ns.url()); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
          }
        }
        case POSTGRES -> {
          try (Connection c = DriverManager.getConnection(baseUrl()); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + ns.name() + " CASCADE");
          }
        }
        case MARIADB -> {
          try (Connection c = DriverManager.getConnection(baseUrl()); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + ns.name());
          }
        }
      }
    } catch (SQLException e) {
      // best effort: a leftover test namespace is harmless
    }
  }

  static String withParam(String url, String param) {
    return url + (url.contains("?") ? "&" : "?") + param;
  }

  /** {@code jdbc:mariadb://host:port/db?x} with another database. */
  static String replaceDatabase(String url, String database) {
    int hostStart = url.indexOf("//") + 2;
    int slash = url.indexOf('/', hostStart);
    int q = url.indexOf('?');
    String head = slash < 0 ? (q < 0 ? url : url.substring(0, q)) : url.substring(0, slash);
    String tail = q < 0 ? "" : url.substring(q);
    return head + "/" + database + tail;
  }
}
