/**
 * The JDBC store: PostgreSQL, MariaDB/MySQL (InnoDB) and H2 behind the storage SPI, for many engine
 * instances sharing one database. Open {@link io.spaceduck.storage.jdbc.JdbcStorage} first: how units
 * become conditional statements, how {@code GroupCommitter} batches them, and how the audit head-row
 * lock keeps one chain across instances ({@code AuditTreeRows}: the audit tree's nodes written with
 * it). Depends on {@code storage-spi}, HikariCP and Flyway; the
 * host brings the JDBC driver. The schema lives in {@code migration/<dialect>/V<n>__*.sql}.
 */
@NullMarked
package io.spaceduck.storage.jdbc;

import org.jspecify.annotations.NullMarked;
