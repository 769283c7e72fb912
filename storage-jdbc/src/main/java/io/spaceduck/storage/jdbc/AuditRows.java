package io.spaceduck.storage.jdbc;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.CorruptAuditEventException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An {@link AuditEvent} as a row of {@code sd_audit}: every field in its own column (text as UTF-8
 * bytes, the timestamp as epoch milliseconds, details length-prefixed), so that plain SQL can query it
 * and {@code verifyAudit} recomputes each hash from exactly what is stored. Stateless.
 */
final class AuditRows {
  private AuditRows() {}

  static final String COLUMNS =
      "seq, ts_millis, action, actor, resource, scope, engine_version, reason, outcome, details, prev_hash, hash";

  /** Binds the twelve columns in {@link #COLUMNS} order. */
  static void bind(PreparedStatement ps, AuditEvent e) throws SQLException {
    ps.setLong(1, e.seq());
    ps.setLong(2, e.timestamp().toEpochMilli());
    ps.setBytes(3, Text.auditField(e.action(), "action"));
    ps.setBytes(4, Text.auditField(e.actor(), "actor"));
    ps.setBytes(5, Text.auditField(e.resource(), "resource"));
    if (e.scope().isPresent()) {
      ps.setBytes(6, Text.auditField(e.scope().get(), "scope"));
    } else {
      ps.setNull(6, Types.VARBINARY);
    }
    ps.setBytes(7, Text.auditField(e.engineVersion(), "engine version"));
    ps.setBytes(8, Text.auditField(e.reason().code(), "reason"));
    ps.setBytes(9, Text.auditField(e.outcome().code(), "outcome"));
    ps.setBytes(10, Text.encodeDetails(e.details()));
    ps.setBytes(11, e.prevHash().toByteArray());
    ps.setBytes(12, e.hash().toByteArray());
  }

  /**
   * Binds the events as twelve SQL arrays, one per column in {@link #COLUMNS} order, from parameter
   * {@code from} on (PostgreSQL: {@code int8[]} for seq and timestamp, {@code bytea[]} for the rest,
   * NULL elements for absent scopes), for one {@code INSERT … SELECT FROM unnest(…)}.
   */
  static void bindColumns(Connection c, PreparedStatement ps, int from, List<AuditEvent> events) throws SQLException {
    int n = events.size();
    Long[] seq = new Long[n];
    Long[] ts = new Long[n];
    byte[][][] text = new byte[10][n][];
    for (int i = 0; i < n; i++) {
      AuditEvent e = events.get(i);
      seq[i] = e.seq();
      ts[i] = e.timestamp().toEpochMilli();
      text[0][i] = Text.auditField(e.action(), "action");
      text[1][i] = Text.auditField(e.actor(), "actor");
      text[2][i] = Text.auditField(e.resource(), "resource");
      text[3][i] = e.scope().isPresent() ? Text.auditField(e.scope().get(), "scope") : null;
      text[4][i] = Text.auditField(e.engineVersion(), "engine version");
      text[5][i] = Text.auditField(e.reason().code(), "reason");
      text[6][i] = Text.auditField(e.outcome().code(), "outcome");
      text[7][i] = Text.encodeDetails(e.details());
      text[8][i] = e.prevHash().toByteArray();
      text[9][i] = e.hash().toByteArray();
    }
    ps.setArray(from, c.createArrayOf("int8", seq));
    ps.setArray(from + 1, c.createArrayOf("int8", ts));
    for (int col = 0; col < 10; col++) {
      ps.setArray(from + 2 + col, c.createArrayOf("bytea", text[col]));
    }
  }

  /**
   * Reads the row at the cursor (columns in {@link #COLUMNS} order).
   *
   * @throws CorruptAuditEventException if a column does not decode to its one canonical form (strict
   *     UTF-8, details with strictly ascending keys): the row was altered outside the engine
   */
  static AuditEvent read(ResultSet rs) throws SQLException {
    long seq = rs.getLong(1);
    try {
      byte[] scope = rs.getBytes(6);
      return new AuditEvent(
          seq,
          Text.decode(rs.getBytes(3)),
          Text.decode(rs.getBytes(4)),
          Text.decode(rs.getBytes(5)),
          scope == null ? Optional.empty() : Optional.of(Text.decode(scope)),
          Instant.ofEpochMilli(rs.getLong(2)),
          Text.decode(rs.getBytes(7)),
          ReasonCode.of(Text.decode(rs.getBytes(8))),
          AuditOutcome.fromCode(Text.decode(rs.getBytes(9))),
          Text.decodeDetails(rs.getBytes(10)),
          Hash.of(rs.getBytes(11)),
          Hash.of(rs.getBytes(12)));
    } catch (java.nio.charset.CharacterCodingException | RuntimeException e) {
      throw new CorruptAuditEventException(
          seq,
          "audit event seq " + seq + " does not decode: the row was altered outside the engine (" + e.getClass().getSimpleName() + ")", e);
    }
  }
}
