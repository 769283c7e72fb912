package io.spaceduck.storage.jdbc;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of a {@link JdbcStorage}. Immutable; start from {@link #defaults()}.
 *
 * @param maxBatch most units and pulses committed in one transaction (group commit)
 * @param maxRetries how often a batch is retried after a serialization failure, deadlock, lock
 *     timeout or lost connection before its units fail with a {@code StorageException}
 * @param migrate whether opening creates or migrates the schema (Flyway); when false the schema must
 *     already be at this engine's version
 * @param poolSize connections of the pool the store builds for a JDBC URL (ignored for a host's
 *     {@code DataSource})
 * @param connectTimeout how long opening waits for the database before it refuses
 */
public record JdbcOptions(int maxBatch, int maxRetries, boolean migrate, int poolSize, Duration connectTimeout) {
  public JdbcOptions {
    if (maxBatch < 1 || maxBatch > 10_000) {
      throw new IllegalArgumentException("maxBatch must be within 1..10000");
    }
    if (maxRetries < 0 || maxRetries > 100) {
      throw new IllegalArgumentException("maxRetries must be within 0..100");
    }
    if (poolSize < 2 || poolSize > 1_000) {
      throw new IllegalArgumentException("poolSize must be within 2..1000 (one connection commits, the others read)");
    }
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (connectTimeout.compareTo(Duration.ofMillis(250)) < 0) {
      throw new IllegalArgumentException("connectTimeout must be at least 250 ms");
    }
  }

  /** 512 per batch, 8 retries, migrate on open, 10 connections, 10 s to connect. */
  public static JdbcOptions defaults() {
    return new JdbcOptions(512, 8, true, 10, Duration.ofSeconds(10));
  }

  public JdbcOptions withMaxBatch(int n) {
    return new JdbcOptions(n, maxRetries, migrate, poolSize, connectTimeout);
  }

  public JdbcOptions withMaxRetries(int n) {
    return new JdbcOptions(maxBatch, n, migrate, poolSize, connectTimeout);
  }

  public JdbcOptions withMigrate(boolean m) {
    return new JdbcOptions(maxBatch, maxRetries, m, poolSize, connectTimeout);
  }

  public JdbcOptions withPoolSize(int n) {
    return new JdbcOptions(maxBatch, maxRetries, migrate, n, connectTimeout);
  }

  public JdbcOptions withConnectTimeout(Duration d) {
    return new JdbcOptions(maxBatch, maxRetries, migrate, poolSize, d);
  }

  /** Option names a store URI's options map may carry (see {@link JdbcStorageProvider}). */
  static final Set<String> NAMES = Set.of("user", "password", "maxBatch", "maxRetries", "migrate", "poolSize", "connectTimeoutMillis");

  /**
   * Applies string options (the storage provider's map).
   *
   * @throws IllegalArgumentException if an option is unknown or malformed
   */
  JdbcOptions with(Map<String, String> options) {
    JdbcOptions o = this;
    for (Map.Entry<String, String> e : options.entrySet()) {
      String v = e.getValue().trim();
      try {
        o =
            switch (e.getKey()) {
              case "user", "password" -> o;
              case "maxBatch" -> o.withMaxBatch(Integer.parseInt(v));
              case "maxRetries" -> o.withMaxRetries(Integer.parseInt(v));
              case "poolSize" -> o.withPoolSize(Integer.parseInt(v));
              case "connectTimeoutMillis" -> o.withConnectTimeout(Duration.ofMillis(Long.parseLong(v)));
              case "migrate" -> {
                if (!v.equals("true") && !v.equals("false")) {
                  throw new IllegalArgumentException("migrate must be true or false");
                }
                yield o.withMigrate(Boolean.parseBoolean(v));
              }
              default -> throw new IllegalArgumentException("unknown option '" + e.getKey() + "'; known: " + NAMES);
            };
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("option '" + e.getKey() + "' must be a number", ex);
      }
    }
    return o;
  }
}
