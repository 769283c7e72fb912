package io.spaceduck.storage.jdbc;

import io.spaceduck.api.Identity;
import io.spaceduck.storage.Codecs;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Schema version 3 (issue 19): {@code sd_identities.ln_bond}, an agent's bond id beside its record, so
 * that the authentication lookup follows key → owner → bond in one statement ({@link
 * SqlTable#IDENTITY_BOND}). Additive: an engine of version 2 that keeps running leaves the column of
 * the agents it writes NULL, and their authentication fails until a version-3 engine rewrites them —
 * upgrade the whole fleet (docs/storage.md). The bond id lives inside the record's codec bytes, which
 * SQL cannot read, so this migration is Java: it adds the column, then fills it for every agent row
 * (the rows with an operator index key), a page of {@value #PAGE} rows at a time in key order.
 */
final class IdentityBondLinkMigration implements JavaMigration {
  static final int PAGE = 500;

  private final Dialect dialect;

  IdentityBondLinkMigration(Dialect dialect) {
    this.dialect = dialect;
  }

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("3");
  }

  @Override
  public String getDescription() {
    return "identity bond link";
  }

  @Override
  public Integer getChecksum() {
    return 3; // fixed: the migration never changes once released
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE sd_identities ADD ln_bond " + (dialect == Dialect.POSTGRESQL ? "BYTEA" : "VARBINARY(512)"));
    }
    byte[] after = new byte[0];
    while (true) {
      List<byte[]> keys = new ArrayList<>();
      List<byte[]> bonds = new ArrayList<>();
      int read = 0;
      try (PreparedStatement page =
          c.prepareStatement("SELECT k, v FROM sd_identities WHERE ix_by_operator IS NOT NULL AND k > ? ORDER BY k LIMIT " + PAGE)) {
        page.setBytes(1, after);
        try (ResultSet rs = page.executeQuery()) {
          while (rs.next()) {
            after = rs.getBytes(1);
            read++;
            Identity identity = Codecs.IDENTITY.decode(rs.getBytes(2));
            Optional<String> bond = SqlTable.IDENTITY_BOND.of().apply(identity);
            if (bond.isPresent()) {
              keys.add(after);
              bonds.add(Text.writeKey(bond.get(), "bond id"));
            }
          }
        }
      }
      if (!keys.isEmpty()) {
        try (PreparedStatement up = c.prepareStatement("UPDATE sd_identities SET ln_bond = ? WHERE k = ?")) {
          for (int i = 0; i < keys.size(); i++) {
            up.setBytes(1, bonds.get(i));
            up.setBytes(2, keys.get(i));
            up.addBatch();
          }
          up.executeBatch();
        }
      }
      if (read < PAGE) {
        return;
      }
    }
  }
}
