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
 * @param groupCommitDelay how long the committer may wait, after the callers of its last batch were
 *     released, for them to submit again before it commits what it holds (PostgreSQL's {@code
 *     commit_delay}): it waits only while it expects more units than it holds — the callers just
 *     released plus those that were already waiting — and stops as soon as they are there, so a lone
 *     caller never waits; never longer than the last batch took; and it backs off when the expected
 *     callers do not come (see {@code Gathering}). Zero turns gathering off; at most 100 ms
 */
public record JdbcOptions(int maxBatch, int maxRetries, boolean migrate, int poolSize, Duration connectTimeout, Duration groupCommitDelay) {
  /** Most a batch may be held back for its callers' next units (the bound PostgreSQL puts on {@code commit_delay}). */
  public static final Duration MAX_GROUP_COMMIT_DELAY = Duration.ofMillis(100);

  /**
   * The gathering delay's default, 150 µs: on PostgreSQL with callers in a loop it lifted durable
   * appends by 3–50 % at 2, 4 and 8 callers and shortened each caller's wait (measured in {@code
   * docs/benchmarks.md}, issue 19, session 13); bounded by the last batch's own duration, so a fast
   * database waits less (see {@code docs/storage.md}, "Gathering a batch").
   */
  public static final Duration DEFAULT_GROUP_COMMIT_DELAY = Duration.ofNanos(150_000);

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
    Objects.requireNonNull(groupCommitDelay, "groupCommitDelay");
    if (groupCommitDelay.isNegative() || groupCommitDelay.compareTo(MAX_GROUP_COMMIT_DELAY) > 0) {
      throw new IllegalArgumentException("groupCommitDelay must be within 0..100 ms");
    }
  }

  /** The settings before the gathering delay existed, with its default. */
  public JdbcOptions(int maxBatch, int maxRetries, boolean migrate, int poolSize, Duration connectTimeout) {
    this(maxBatch, maxRetries, migrate, poolSize, connectTimeout, DEFAULT_GROUP_COMMIT_DELAY);
  }

  /** 512 per batch, 8 retries, migrate on open, 10 connections, 10 s to connect, a gathering delay of 150 µs. */
  public static JdbcOptions defaults() {
    return new JdbcOptions(512, 8, true, 10, Duration.ofSeconds(10), DEFAULT_GROUP_COMMIT_DELAY);
  }

  public JdbcOptions withMaxBatch(int n) {
    return new JdbcOptions(n, maxRetries, migrate, poolSize, connectTimeout, groupCommitDelay);
  }

  public JdbcOptions withMaxRetries(int n) {
    return new JdbcOptions(maxBatch, n, migrate, poolSize, connectTimeout, groupCommitDelay);
  }

  public JdbcOptions withMigrate(boolean m) {
    return new JdbcOptions(maxBatch, maxRetries, m, poolSize, connectTimeout, groupCommitDelay);
  }

  public JdbcOptions withPoolSize(int n) {
    return new JdbcOptions(maxBatch, maxRetries, migrate, n, connectTimeout, groupCommitDelay);
  }

  public JdbcOptions withConnectTimeout(Duration d) {
    return new JdbcOptions(maxBatch, maxRetries, migrate, poolSize, d, groupCommitDelay);
  }

  /** Zero turns gathering off (one batch is whatever waits when the committer is free). */
  public JdbcOptions withGroupCommitDelay(Duration d) {
    return new JdbcOptions(maxBatch, maxRetries, migrate, poolSize, connectTimeout, d);
  }

  /** Option names a store URI's options map may carry (see {@link JdbcStorageProvider}). */
  static final Set<String> NAMES = Set.of("user", "password", "maxBatch", "maxRetries", "migrate", "poolSize", "connectTimeoutMillis", "groupCommitDelayMicros");

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
              case "groupCommitDelayMicros" -> {
                long micros = Long.parseLong(v);
                if (micros < 0 || micros > MAX_GROUP_COMMIT_DELAY.toNanos() / 1_000) {
                  throw new IllegalArgumentException("groupCommitDelayMicros must be within 0..100000");
                }
                yield o.withGroupCommitDelay(Duration.ofNanos(micros * 1_000));
              }
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
