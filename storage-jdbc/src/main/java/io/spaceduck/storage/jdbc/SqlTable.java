package io.spaceduck.storage.jdbc;

import io.spaceduck.api.Agent;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of one keyed table: {@code sd_<name>(k, version, v, ix_<index>..., ln_<link>...)}, built once
 * from the {@link Table} definition so the statements always match {@link Tables#ALL} (the migrations
 * are checked against the same definition by a test). Immutable.
 */
final class SqlTable {
  /**
   * A column of this store only (not an SPI index): a row id the record names, written with the row so
   * that one statement can follow it to another table (see {@link JdbcStorage#authenticationRows}).
   * Not indexed: it is only ever joined on the other table's primary key.
   */
  record Link(String column, Function<Object, Optional<String>> of) {}

  /** {@code sd_identities.ln_bond}: an agent's bond id (schema version 3); NULL for a duckling. */
  static final Link IDENTITY_BOND =
      new Link("ln_bond", v -> v instanceof Agent a ? Optional.of(a.bond().value()) : Optional.empty());

  final Table<?> table;
  final String name;
  final List<Index<?>> indexes;
  /** The links, written after the index columns in {@link #insert} and {@link #update}. */
  final List<Link> links;
  final String select;
  private final String shareLock;
  final String insert;
  final String update;
  final String delete;
  /** Sets every unique index column to NULL on a row at a version (the first step of a two-step move); null without unique indexes. */
  final @Nullable String clearUnique;
  private final List<Index<?>> uniqueIndexes;
  private final Map<Index<?>, String> findBy = new IdentityHashMap<>();

  private SqlTable(Table<?> table, Dialect dialect) {
    this.table = table;
    this.name = "sd_" + table.name();
    this.indexes = new ArrayList<>(table.indexes());
    this.links = table == Tables.IDENTITIES ? List.of(IDENTITY_BOND) : List.of();
    List<String> extra = new ArrayList<>();
    indexes.forEach(i -> extra.add(column(i)));
    links.forEach(l -> extra.add(l.column()));
    String ixCols = extra.stream().map(c -> ", " + c).collect(Collectors.joining());
    String ixMarks = ", ?".repeat(extra.size());
    String ixSets = extra.stream().map(c -> ", " + c + " = ?").collect(Collectors.joining());
    this.select = "SELECT version, v FROM " + name + " WHERE k = ?";
    this.shareLock = dialect.shareLock();
    this.insert = "INSERT INTO " + name + " (k, version, v" + ixCols + ") VALUES (?, ?, ?" + ixMarks + ")";
    this.update = "UPDATE " + name + " SET version = ?, v = ?" + ixSets + " WHERE k = ? AND version = ?";
    this.delete = "DELETE FROM " + name + " WHERE k = ? AND version = ?";
    this.uniqueIndexes = indexes.stream().filter(Index::unique).collect(Collectors.toList());
    this.clearUnique =
        uniqueIndexes.isEmpty()
            ? null
            : "UPDATE " + name + " SET " + uniqueIndexes.stream().map(i -> column(i) + " = NULL").collect(Collectors.joining(", "))
                + " WHERE k = ? AND version = ?";
    for (Index<?> i : indexes) {
      findBy.put(i, "SELECT k, version, v FROM " + name + " WHERE " + column(i) + " = ?");
    }
  }

  /**
   * {@code SELECT k, version} of up to {@code n} keys ({@code k IN (?, …)}), locked against change
   * until the transaction ends when {@code lock}: one round trip for a batch's read conditions.
   */
  String versionsOf(int n, boolean lock) {
    return "SELECT k, version FROM " + name + " WHERE k IN (" + String.join(", ", java.util.Collections.nCopies(n, "?")) + ")"
        + (lock ? shareLock : "");
  }

  /** The table's unique indexes. */
  List<Index<?>> uniqueIndexes() {
    return uniqueIndexes;
  }

  /** {@code SELECT k, <index column>} of the rows holding any of {@code n} index keys. */
  String holdersOf(Index<?> index, int n) {
    String col = column(index);
    return "SELECT k, " + col + " FROM " + name + " WHERE " + col + " IN (" + String.join(", ", java.util.Collections.nCopies(n, "?")) + ")";
  }

  static String column(Index<?> index) {
    return "ix_" + index.name();
  }

  String findBy(Index<?> index) {
    String sql = findBy.get(index);
    if (sql == null) {
      throw new IllegalArgumentException("unknown index " + index);
    }
    return sql;
  }

  /** One per table of {@link Tables#ALL}. */
  static Map<Table<?>, SqlTable> all(Dialect dialect) {
    Map<Table<?>, SqlTable> m = new IdentityHashMap<>();
    for (Table<?> t : Tables.ALL) {
      m.put(t, new SqlTable(t, dialect));
    }
    return m;
  }
}
