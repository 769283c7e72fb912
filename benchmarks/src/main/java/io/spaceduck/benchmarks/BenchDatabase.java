package io.spaceduck.benchmarks;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A fresh PostgreSQL schema per benchmark trial, on the database named by {@code
 * -Dspaceduck.bench.jdbc} (default {@value #DEFAULT_URL}), dropped at the end.
 */
final class BenchDatabase implements AutoCloseable {
  static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  final String baseUrl;
  final String schema;
  final String url;

  BenchDatabase() {
    this.baseUrl = System.getProperty("spaceduck.bench.jdbc", DEFAULT_URL);
    this.schema = "sdbench_" + Long.toUnsignedString(new SecureRandom().nextLong(), 36);
    exec("CREATE SCHEMA " + schema);
    this.url = baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  private void exec(String sql) {
    try (Connection c = DriverManager.getConnection(baseUrl);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("benchmark database " + baseUrl.replaceAll("\\?.*", "") + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }
}
