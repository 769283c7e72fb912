package io.spaceduck.storage.jdbc;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;

/**
 * Tells HikariCP to drop a pooled connection that no longer reaches a writable primary, so that the
 * next borrower gets a new connection — which a multi-host URL with {@code targetServerType=primary}
 * opens on the current primary — instead of the same dead or demoted node again.
 *
 * <p>HikariCP already evicts on its own list (SQLSTATE class {@code 08}, {@code 57P01}–{@code 57P03},
 * timeouts); this adds what a failover produces besides: {@code 25006} (read-only transaction: the
 * node is a standby now), and the causes and next exceptions of the whole chain ({@link
 * Dialect#isConnectionLoss}). Everything else keeps HikariCP's
 * own judgement.
 *
 * <p>The store sets it on the pool it builds for a {@code jdbc:} URL. A host that hands the store its
 * own HikariCP pool should set it too: {@code config.setExceptionOverride(new
 * DemotedNodeEviction())} (or {@code exceptionOverrideClassName}).
 */
public final class DemotedNodeEviction implements SQLExceptionOverride {
  private final Runnable onEvict;

  public DemotedNodeEviction() {
    this(() -> {});
  }

  /**
   * @param onEvict run whenever a connection is evicted for this reason; the store's own pool passes
   *     {@code softEvictConnections}: once one connection shows that its node died or was demoted, the
   *     pool's other connections (to the same node, as a rule) are retired too, idle ones at once and
   *     borrowed ones when they are returned, instead of each failing one borrower first
   */
  DemotedNodeEviction(Runnable onEvict) {
    this.onEvict = onEvict;
  }

  @java.lang.Override
  public Override adjudicate(SQLException e) {
    if (!Dialect.isConnectionLoss(e)) {
      return Override.CONTINUE_EVICT;
    }
    onEvict.run();
    return Override.MUST_EVICT;
  }
}
