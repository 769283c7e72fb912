package io.spaceduck.storage.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.api.Trigger;

/**
 * H2's triggers are Java classes: this one refuses every UPDATE and DELETE on the table it is attached
 * to ({@code sd_audit}; DELETE on {@code sd_audit_head}). Loaded by H2 only; public because H2
 * instantiates it by name.
 */
public final class H2AppendOnlyTrigger implements Trigger {
  private String table = "sd_audit";

  /** Called by H2. */
  public H2AppendOnlyTrigger() {}

  @Override
  public void init(Connection conn, String schemaName, String triggerName, String tableName, boolean before, int type) {
    this.table = tableName.toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
    throw new SQLException(table + " is append-only: " + (newRow == null ? "DELETE" : "UPDATE") + " refused", "42501");
  }
}
