package io.spaceduck.storage.jdbc;

import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageProvider;
import java.util.Map;
import java.util.Objects;

/**
 * Opens a {@link JdbcStorage} for URIs of scheme {@code jdbc}: {@code jdbc:postgresql://host/db},
 * {@code jdbc:mariadb://host/db} (or {@code jdbc:mysql:}), {@code jdbc:h2:/path/file} or {@code
 * jdbc:h2:mem:name;DB_CLOSE_DELAY=-1}. The store builds and owns a HikariCP pool. Options: {@code user},
 * {@code password}, {@code poolSize}, {@code maxBatch}, {@code groupCommitDelayMicros}, {@code maxRetries}, {@code migrate}, {@code
 * connectTimeoutMillis} (see {@link JdbcOptions}); credentials may also sit in the URL as the driver
 * allows. Registered in {@code META-INF/services/io.spaceduck.storage.StorageProvider}. Stateless.
 */
public final class JdbcStorageProvider implements StorageProvider {
  /** Called by {@link java.util.ServiceLoader}. */
  public JdbcStorageProvider() {}

  @Override
  public String scheme() {
    return "jdbc";
  }

  /**
   * @throws StorageException if the URL names no supported database, an option is malformed, or the
   *     store cannot be opened (see {@link JdbcStorage#open(javax.sql.DataSource, JdbcOptions)})
   */
  @Override
  public Storage open(String uri, Map<String, String> options) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    if (!accepts(uri)) {
      throw new IllegalArgumentException("not a jdbc: URI");
    }
    JdbcOptions o;
    try {
      o = JdbcOptions.defaults().with(options);
    } catch (IllegalArgumentException e) {
      throw new StorageException("bad option for " + JdbcStorage.describe(uri) + ": " + e.getMessage(), e);
    }
    return JdbcStorage.open(uri, options.get("user"), options.get("password"), o);
  }
}
