package io.spaceduck.storage.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.Hash;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.AuthenticationRows;
import io.spaceduck.storage.BufferedTransaction;
import io.spaceduck.storage.Codecs;
import io.spaceduck.storage.CommittedView;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Utf8;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.WriteSet;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The shared store: PostgreSQL (the production target), MariaDB/MySQL (InnoDB) or H2 over JDBC, for
 * many engine instances on one database.
 *
 * <h2>How it keeps the {@link Storage} guarantees across processes</h2>
 *
 * <ul>
 *   <li>A unit runs on the caller's thread against a {@link BufferedTransaction}: its reads are
 *       single autocommit statements (each sees only committed units, never half of one); its writes
 *       and read conditions are buffered.
 *   <li>{@link GroupCommitter} then commits the unit, with whatever else is waiting, in one READ
 *       COMMITTED transaction of conditional statements on the {@code version} column — the database
 *       decides every compare-and-set, so two instances can never both win a transition.
 *   <li>The audit chain is appended under a lock on the single {@code sd_audit_head} row, which
 *       serializes {@code seq} and {@code prev_hash} across every instance; {@code UNIQUE(prev_hash)}
 *       and the {@code seq} primary key guard against a fork. The table refuses UPDATE and DELETE.
 *   <li>The audit tree's nodes ({@code sd_audit_tree}) are written in the transaction of their events,
 *       under the same lock, so {@link #auditSubtree} is one primary-key read ({@link AuditTreeRows}).
 *   <li>Nothing is cached: a key revoked through one instance fails on every other instance's very
 *       next read (I3).
 * </ul>
 *
 * Thread-safe. Open with {@link #open(DataSource, JdbcOptions)} (the host's pool) or through the
 * {@code jdbc:} storage URI (a HikariCP pool the store owns).
 */
public final class JdbcStorage implements Storage {
  private final DataSource dataSource;
  private final @Nullable HikariDataSource ownedPool;
  private final Dialect dialect;
  private final String where;
  private final Map<Table<?>, SqlTable> tables;
  private final GroupCommitter committer;
  private final CommittedView reads = new Reads();
  private volatile boolean closed;
  private final Object closeLock = new Object();

  private JdbcStorage(
      DataSource dataSource, @Nullable HikariDataSource ownedPool, Dialect dialect, JdbcOptions options, String where, Duration closeWait) {
    this.dataSource = dataSource;
    this.ownedPool = ownedPool;
    this.dialect = dialect;
    this.where = where;
    this.tables = SqlTable.all(dialect);
    this.committer = new GroupCommitter(dataSource, dialect, tables, options, where, closeWait);
  }

  /** {@link #open(DataSource, JdbcOptions)} with {@link JdbcOptions#defaults()}. */
  public static JdbcStorage open(DataSource dataSource) {
    return open(dataSource, JdbcOptions.defaults());
  }

  /**
   * Opens a store on the host's {@code DataSource}; closing the store does not close it. Connections
   * it hands out are used at READ COMMITTED (the store sets it on the connection it commits with).
   *
   * @throws StorageException if the database is unreachable, not one we support, not ours, or has a
   *     schema newer than this engine knows
   */
  public static JdbcStorage open(DataSource dataSource, JdbcOptions options) {
    return open(dataSource, options, GroupCommitter.CLOSE_WAIT);
  }

  /** {@link #open(DataSource, JdbcOptions)} whose {@link #close()} waits at most {@code closeWait} for the commit thread (tests). */
  static JdbcStorage open(DataSource dataSource, JdbcOptions options, Duration closeWait) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(options, "options");
    String where;
    Dialect dialect;
    try (Connection c = dataSource.getConnection()) {
      String product = c.getMetaData().getDatabaseProductName();
      where = describe(c.getMetaData().getURL());
      dialect =
          Dialect.ofProduct(product)
              .orElseThrow(() -> new StorageException("unsupported database '" + product + "': PostgreSQL, MariaDB/MySQL or H2"));
    } catch (SQLException e) {
      throw Text.failure("cannot connect to the database", e);
    }
    return start(dataSource, null, dialect, options, where, closeWait);
  }

  /**
   * Opens a store on a JDBC URL with a HikariCP pool it owns. Credentials come from the URL or from
   * {@code user}/{@code password}; they never appear in {@link #describe()} or in messages.
   */
  static JdbcStorage open(String url, @Nullable String user, @Nullable String password, JdbcOptions options) {
    Dialect dialect =
        Dialect.ofUrl(url)
            .orElseThrow(() -> new StorageException("unsupported JDBC URL " + describe(url) + ": use jdbc:postgresql:, jdbc:mariadb:, jdbc:mysql: or jdbc:h2:"));
    String where = describe(url);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setPoolName("spaceduck-jdbc");
    config.setMaximumPoolSize(options.poolSize());
    config.setMinimumIdle(Math.min(2, options.poolSize()));
    config.setAutoCommit(true);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setConnectionTimeout(options.connectTimeout().toMillis());
    // a connection to a node that failed or was demoted is dropped, never lent out again, and so are
    // the pool's other connections (they reach the same node)
    AtomicReference<HikariDataSource> created = new AtomicReference<>();
    config.setExceptionOverride(new DemotedNodeEviction(() -> {
      HikariDataSource p = created.get();
      if (p != null && p.getHikariPoolMXBean() != null) {
        p.getHikariPoolMXBean().softEvictConnections();
      }
    }));
    config.setInitializationFailTimeout(options.connectTimeout().toMillis());
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
      created.set(pool);
    } catch (RuntimeException e) { // PoolInitializationException and the driver's cause
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new StorageException("cannot connect to " + where + ": " + cause.getMessage(), e);
    }
    try {
      return start(pool, pool, dialect, options, where, GroupCommitter.CLOSE_WAIT);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private static JdbcStorage start(
      DataSource ds, @Nullable HikariDataSource owned, Dialect dialect, JdbcOptions options, String where, Duration closeWait) {
    Schema.prepare(ds, dialect, options.migrate(), where);
    AuditTreeRows.backfill(ds, dialect, where); // events stored before schema 4, or by an older engine since
    AuditTreeRows.check(ds, where);
    return new JdbcStorage(ds, owned, dialect, options, where, closeWait);
  }

  /**
   * The URL without user information, query string or H2 settings — what may be logged — keeping
   * only a PostgreSQL {@code currentSchema}, which names the location and holds no secret.
   */
  static String describe(@Nullable String url) {
    if (url == null) {
      return "jdbc";
    }
    String u = url;
    int slashes = u.indexOf("//");
    int query = u.indexOf('?');
    int at = u.lastIndexOf('@', query < 0 ? u.length() : query); // user info may hold '/' or ';'
    if (slashes >= 0 && at > slashes) {
      u = u.substring(0, slashes + 2) + u.substring(at + 1);
    }
    String schema = null;
    int q = u.indexOf('?');
    if (q >= 0) {
      for (String param : u.substring(q + 1).split("&")) {
        if (param.startsWith("currentSchema=") && param.substring("currentSchema=".length()).matches("[A-Za-z0-9_,$\\-]+")) {
          schema = param.substring("currentSchema=".length());
        }
      }
      u = u.substring(0, q);
    }
    int semi = u.indexOf(';');
    if (semi >= 0) {
      u = u.substring(0, semi);
    }
    return schema == null ? u : u + "?currentSchema=" + schema;
  }

  @Override
  public String describe() {
    return where;
  }

  /** The SQL dialect in use: {@code postgresql}, {@code mariadb} or {@code h2}. */
  public String dialect() {
    return dialect.name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Group-commit counters: batches taken from the queue, jobs in them, retries, batches split after a
   * conflict the database found, and units deferred to a batch of their own because an earlier unit
   * of their batch wrote a row they touch; batches whose gathering waited for more units ({@link
   * JdbcOptions#groupCommitDelay()}) and, of those, the ones that waited until the delay ran out (fewer
   * came than expected); batches by size: element {@code i} of {@code batchSizes} counts batches of
   * {@code i + 1} jobs, its last element (the 17th) every batch of 17 or more.
   */
  public record CommitStats(
      long batches, long jobs, long retries, long isolatedBatches, long deferredJobs, long gatheredBatches, long gatherTimeouts,
      List<Long> batchSizes) {
    public CommitStats {
      batchSizes = List.copyOf(batchSizes);
    }
  }

  public CommitStats commitStats() {
    return new CommitStats(committer.batches(), committer.jobs(), committer.retries(), committer.isolatedBatches(), committer.deferredJobs(),
        committer.gatheredBatches(), committer.gatherTimeouts(), committer.batchSizes());
  }

  private void checkOpen() {
    if (closed) {
      throw new StorageException(where + " is closed");
    }
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    checkOpen();
    BufferedTransaction tx = new BufferedTransaction(reads);
    T result = unit.run(tx);
    WriteSet ws = tx.writeSet();
    if (ws.ops().isEmpty() && ws.audits().isEmpty()) {
      return result;
    }
    List<NetOp> ops = NetOp.fold(ws.ops());
    List<AuditDraft> audits = ws.audits();
    validate(ops, audits);
    await(job -> committer.submit(new GroupCommitter.UnitJob(ops, audits, job)));
    return result;
  }

  /**
   * Refuses, before anything is queued, what no column can hold. A value the codec refuses (malformed
   * text) must fail here, on the caller's thread: on the commit thread it would fail the whole batch.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void validate(List<NetOp> ops, List<AuditDraft> audits) {
    for (NetOp op : ops) {
      Text.writeKey(op.key(), op.table() + " key");
      if (op.value() != null) {
        for (Object o : op.table().indexes()) {
          ((Index) o).keyOf(op.value()).ifPresent(k -> Text.writeKey((String) k, o + " index key"));
        }
        Table table = op.table();
        table.codec().encode(table.cast(op.value()));
      }
    }
    for (AuditDraft d : audits) {
      Text.auditField(d.action(), "action");
      Text.auditField(d.actor(), "actor");
      Text.auditField(d.resource(), "resource");
      d.scope().ifPresent(s -> Text.auditField(s, "scope"));
      Text.auditField(d.engineVersion(), "engine version");
      Text.auditField(d.reason().code(), "reason");
      d.timestamp().toEpochMilli(); // ArithmeticException beyond ±292 million years
    }
  }

  private void await(java.util.function.Consumer<CompletableFuture<Void>> submit) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    submit.accept(done);
    try {
      done.join();
    } catch (CompletionException e) {
      // a new exception per caller: the commit thread may fail many jobs with one
      if (e.getCause() instanceof StorageConflictException c) {
        throw new StorageConflictException(c.getMessage());
      }
      if (e.getCause() instanceof StorageOutcomeUnknownException u) {
        throw new StorageOutcomeUnknownException(u.getMessage(), u);
      }
      if (e.getCause() instanceof StorageException s) {
        throw new StorageException(s.getMessage(), s);
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageException(where + ": commit failed", e.getCause());
    }
  }

  /** One read (or idempotent statement) on a pooled connection. */
  @FunctionalInterface
  private interface SqlCall<R> {
    R run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code call} on a connection of the pool; if the connection turns out broken or to reach a
   * node that is no longer the primary ({@link Dialect#isConnectionLoss}) — after a failover, the
   * pooled connections to the old primary — runs it once more on a new one (the pool has dropped
   * the bad one, see {@link DemotedNodeEviction}). Only for reads and statements that may run twice.
   * Getting a connection waits up to the pool's connection timeout for a primary; a second failure
   * is final: {@code StorageException} (the engine reports {@code Unavailable}).
   */
  private <R> R onPrimary(String what, SqlCall<R> call) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        return call.run(c);
      } catch (SQLException e) {
        if (attempt >= 2 || !Dialect.isConnectionLoss(e)) {
          throw Text.failure(what, e);
        }
      }
    }
  }

  @Override
  public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
    checkOpen();
    return reads.get(table, key);
  }

  @Override
  public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
    checkOpen();
    return reads.findBy(index, indexKey);
  }

  /**
   * The key → owner → bond chain of {@link Storage#authenticationRows} in one statement, so one round
   * trip whatever exists (K6): the key row by primary key, the identity row by the key's owner column
   * (or the decoy), the bond row by the identity's {@code ln_bond} column (or the decoy) — left joins
   * from a one-row table, so a missing row is NULLs, never a missing result. Read in autocommit, like
   * every read of this store: committed rows, nothing cached (I3).
   */
  @Override
  public AuthenticationRows authenticationRows(String keyId, String decoyIdentity, String decoyBond) {
    checkOpen();
    Objects.requireNonNull(keyId, "keyId");
    Optional<byte[]> key = Text.readKey(keyId);
    Optional<byte[]> identity = Text.readKey(decoyIdentity);
    Optional<byte[]> bond = Text.readKey(decoyBond);
    if (key.isEmpty() || identity.isEmpty() || bond.isEmpty()) {
      return Storage.super.authenticationRows(keyId, decoyIdentity, decoyBond); // nothing a real key holds
    }
    // like every read, once more on a new connection when the first one was lost (a failover)
    return onPrimary(where + ": cannot read the authentication rows", c -> {
      try (PreparedStatement ps = c.prepareStatement(AUTHENTICATION_ROWS)) {
        ps.setBytes(1, key.get());
        ps.setBytes(2, identity.get());
        ps.setBytes(3, bond.get());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new StorageException(where + ": the authentication lookup returned no row");
          }
          return new AuthenticationRows(row(rs, 1, Tables.KEYS, keyId), row(rs, 3, Tables.IDENTITIES, keyId),
              row(rs, 5, Tables.BONDS, keyId));
        }
      }
    });
  }

  /** Parameters: the key id, the decoy identity id, the decoy bond id (UTF-8 bytes). */
  static final String AUTHENTICATION_ROWS =
      "SELECT k.version, k.v, i.version, i.v, b.version, b.v FROM (SELECT 1 AS one) d"
          + " LEFT JOIN sd_keys k ON k.k = ?"
          + " LEFT JOIN sd_identities i ON i.k = COALESCE(k.ix_by_owner, ?)"
          + " LEFT JOIN sd_bonds b ON b.k = COALESCE(i." + SqlTable.IDENTITY_BOND.column() + ", ?)";

  /**
   * The row in columns {@code at} (version) and {@code at + 1} (value), if the join found one; {@code
   * reachedFrom} names it in a refusal (the key id the chain started from).
   */
  private <V> Optional<Versioned<V>> row(ResultSet rs, int at, Table<V> table, String reachedFrom) throws SQLException {
    byte[] v = rs.getBytes(at + 1);
    if (v == null) {
      return Optional.empty();
    }
    return Optional.of(new Versioned<>(decode(table, "reached from key " + reachedFrom, v), rs.getLong(at)));
  }

  /** A stored pulse; one the codec refuses is corruption named by the store, the table and the agent. */
  private Pulse decodePulse(AgentId agent, byte[] value) {
    try {
      return Codecs.PULSE.decode(value);
    } catch (StorageException e) {
      throw new StorageException(where + ": corrupt row in table pulses, agent " + agent.value() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A stored value decoded by its table's codec; one the codec refuses is corruption named by this
   * store, the table and the row's key (ids, never secrets), not only by the codec's record kind.
   */
  private <V> V decode(Table<V> table, String key, byte[] value) {
    try {
      return table.codec().decode(value);
    } catch (StorageException e) {
      throw new StorageException(where + ": corrupt row in table " + table.name() + ", key " + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<AuditHead> auditHead() {
    checkOpen();
    return onPrimary(where + ": cannot read the audit head", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM sd_audit_head WHERE id = 1");
          ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new StorageException(where + ": sd_audit_head has no row: the schema was altered outside the engine");
        }
        long seq = rs.getLong(1);
        return seq == 0 ? Optional.<AuditHead>empty() : Optional.of(new AuditHead(seq, Hash.of(rs.getBytes(2))));
      }
    });
  }

  /**
   * One range read (issue 20, schema 5), in one statement with the head row so the answer is of one
   * moment: empty when the store does not hold all the node's events; else the node from the at most
   * 2<sup>3</sup> stored nodes of the stored level under it, or from as many events' hashes ({@link
   * AuditTreeRows#under}). A node of events stored without their nodes (by an engine older than schema
   * 4, not yet caught up) is computed from the events, as {@link Storage#auditSubtree}'s default does. A
   * node the tree should hold and does not (deleted outside the engine) is empty: the engine then
   * reports the tree as lacking it.
   */
  @Override
  public Optional<Hash> auditSubtree(int level, long index) {
    checkOpen();
    if (level < 0 || level > 62 || index < 0 || index > (Long.MAX_VALUE >> level) - 1) {
      return Optional.empty();
    }
    long end = (index + 1) << level; // events the subtree needs
    AuditTreeRows.Run run = AuditTreeRows.under(level, index);
    record Answer(long seq, long treeSize, Hash @Nullable [] hashes) {}
    Answer a = onPrimary(where + ": cannot read the audit tree", c -> {
      try (PreparedStatement ps = c.prepareStatement(run.level() == 0 ? AUDIT_LEAVES : AUDIT_NODES)) {
        run.bind(ps, 1);
        try (ResultSet rs = ps.executeQuery()) {
          Hash[] hashes = new Hash[run.count()];
          long seq = -1;
          long treeSize = -1;
          int found = 0;
          while (rs.next()) {
            seq = rs.getLong(1);
            treeSize = rs.getLong(2);
            byte[] h = rs.getBytes(4);
            if (h == null) {
              continue; // the head row alone: no node or event in the range
            }
            long key = rs.getLong(3);
            int slot = run.slot(key);
            if (slot < 0 || h.length != Hash.LENGTH) {
              throw new StorageException(where + ": corrupt row " + (run.level() == 0 ? "in table sd_audit, seq " + key
                  : "in table sd_audit_tree, node (" + run.level() + ", " + key + ")"));
            }
            hashes[slot] = run.node(Hash.of(h));
            found++;
          }
          if (seq < 0) {
            throw new StorageException(where + ": sd_audit_head has no row: the schema was altered outside the engine");
          }
          return new Answer(seq, treeSize, found == hashes.length ? hashes : null);
        }
      }
    });
    if (end > a.seq()) {
      return Optional.empty(); // not all its events are stored (a node there was left by a rewound head)
    }
    if (a.hashes() != null) {
      return Optional.of(AuditTreeRows.perfect(a.hashes(), 0, a.hashes().length));
    }
    if (end > a.treeSize()) {
      return AuditTreeNodes.fromEvents(this, level, index); // events an older engine stored, not yet caught up
    }
    return Optional.empty();
  }

  /** The head row with the stored nodes of a run (parameters: level, first index, index after the last). */
  static final String AUDIT_NODES = "SELECT h.seq, h.tree_size, t.idx, t.hash FROM sd_audit_head h"
      + " LEFT JOIN sd_audit_tree t ON t.lvl = ? AND t.idx >= ? AND t.idx < ? WHERE h.id = 1";

  /** The head row with the events of a run of leaves (parameters: seq after, last seq). */
  static final String AUDIT_LEAVES = "SELECT h.seq, h.tree_size, a.seq, a.hash FROM sd_audit_head h"
      + " LEFT JOIN sd_audit a ON a.seq > ? AND a.seq <= ? WHERE h.id = 1";

  @Override
  public List<AuditEvent> auditRange(long fromSeq, int limit) {
    checkOpen();
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    if (limit == 0) {
      return List.of();
    }
    return queryAudit(
        "SELECT " + AuditRows.COLUMNS + " FROM sd_audit WHERE seq >= ? ORDER BY seq LIMIT ?",
        List.of(Math.max(1, fromSeq), (long) limit));
  }

  @Override
  public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
    checkOpen();
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    if (limit == 0) {
      return List.of();
    }
    StringBuilder sql = new StringBuilder("SELECT ").append(AuditRows.COLUMNS).append(" FROM sd_audit WHERE seq > ?");
    List<Object> params = new ArrayList<>();
    params.add(afterSeq);
    // A filter value no column can hold matches nothing.
    if (filter.visibleTo().isPresent()) {
      byte[] v = Utf8.encode(filter.visibleTo().get()).orElse(null);
      if (v == null) {
        return List.of();
      }
      sql.append(" AND (actor = ? OR scope = ?)");
      params.add(v);
      params.add(v);
    }
    for (Map.Entry<String, Optional<String>> e :
        List.of(Map.entry("action", filter.action()), Map.entry("actor", filter.actor()), Map.entry("resource", filter.resource()))) {
      if (e.getValue().isPresent()) {
        byte[] v = Utf8.encode(e.getValue().get()).orElse(null);
        if (v == null) {
          return List.of();
        }
        sql.append(" AND ").append(e.getKey()).append(" = ?");
        params.add(v);
      }
    }
    if (filter.from().isPresent()) {
      sql.append(" AND ts_millis >= ?");
      params.add(Text.millisCeil(filter.from().get()));
    }
    if (filter.to().isPresent()) {
      sql.append(" AND ts_millis < ?");
      params.add(Text.millisCeil(filter.to().get()));
    }
    sql.append(" ORDER BY seq LIMIT ?");
    params.add((long) limit);
    return queryAudit(sql.toString(), params);
  }

  private List<AuditEvent> queryAudit(String sql, List<Object> params) {
    return onPrimary(where + ": cannot read the audit log", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < params.size(); i++) {
          Object p = params.get(i);
          if (p instanceof byte[] b) {
            ps.setBytes(i + 1, b);
          } else {
            ps.setLong(i + 1, (Long) p);
          }
        }
        List<AuditEvent> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(AuditRows.read(rs));
          }
        }
        return out;
      }
    });
  }

  @Override
  public void recordPulse(Pulse pulse) {
    checkOpen();
    Objects.requireNonNull(pulse, "pulse");
    Text.writeKey(pulse.agent().value(), "agent id");
    Codecs.PULSE.encode(pulse); // refuses malformed text before anything is queued
    await(job -> committer.submit(new GroupCommitter.PulseJob(pulse, job)));
  }

  @Override
  public Optional<Pulse> latestPulse(AgentId agent) {
    checkOpen();
    Optional<byte[]> key = Text.readKey(agent.value());
    if (key.isEmpty()) {
      return Optional.empty();
    }
    return onPrimary(where + ": cannot read pulses", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT v FROM sd_pulse_latest WHERE agent = ?")) {
        ps.setBytes(1, key.get());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(decodePulse(agent, rs.getBytes(1))) : Optional.<Pulse>empty();
        }
      }
    });
  }

  @Override
  public List<Pulse> pulseHistory(AgentId agent, int limit) {
    checkOpen();
    if (limit < 0) {
      throw new IllegalArgumentException("limit >= 0");
    }
    Optional<byte[]> key = Text.readKey(agent.value());
    if (key.isEmpty() || limit == 0) {
      return List.of();
    }
    return onPrimary(where + ": cannot read pulses", c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT v FROM sd_pulses WHERE agent = ? ORDER BY at_key DESC, rec DESC LIMIT ?")) {
        ps.setBytes(1, key.get());
        ps.setLong(2, limit);
        List<Pulse> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(decodePulse(agent, rs.getBytes(1)));
          }
        }
        return out;
      }
    });
  }

  @Override
  public int deletePulsesBefore(Instant cutoff) {
    checkOpen();
    // may run twice: a second run deletes what the first did not
    return onPrimary(where + ": cannot sweep pulses", c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM sd_pulses WHERE at_key < ?")) {
        ps.setBigDecimal(1, Text.atKey(cutoff));
        return ps.executeUpdate();
      }
    });
  }

  /**
   * Refuses new work, commits the units already queued, and returns once the commit thread has ended:
   * after close nothing more is written (also when the closing thread is interrupted; its interrupt is
   * kept). Only a database that stops answering for more than a minute makes close return earlier;
   * the batch in flight then fails, rolled back unless it was already inside its commit. A second,
   * concurrent close waits for the first.
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
      committer.close();
      if (ownedPool != null) {
        ownedPool.close();
      }
    }
  }

  /** Committed reads: one autocommit statement each. */
  private final class Reads implements CommittedView {
    @Override
    public <V> Optional<Versioned<V>> get(Table<V> table, String key) {
      Objects.requireNonNull(key, "key");
      Optional<byte[]> k = Text.readKey(key);
      if (k.isEmpty()) {
        return Optional.empty();
      }
      SqlTable t = sqlTable(table);
      return onPrimary(where + ": cannot read " + table, c -> {
        try (PreparedStatement ps = c.prepareStatement(t.select)) {
          ps.setBytes(1, k.get());
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              return Optional.<Versioned<V>>empty();
            }
            return Optional.of(new Versioned<>(decode(table, key, rs.getBytes(2)), rs.getLong(1)));
          }
        }
      });
    }

    @Override
    public <V> List<Versioned<V>> findBy(Index<V> index, String indexKey) {
      Objects.requireNonNull(indexKey, "indexKey");
      Optional<byte[]> k = Text.readKey(indexKey);
      if (k.isEmpty()) {
        return List.of();
      }
      Table<V> table = index.table();
      SqlTable t = sqlTable(table);
      record Row<V>(String key, Versioned<V> value) {}
      List<Row<V>> rows = onPrimary(where + ": cannot read " + table, c -> {
        List<Row<V>> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(t.findBy(index))) {
          ps.setBytes(1, k.get());
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              String key;
              try {
                key = Text.decode(rs.getBytes(1));
              } catch (java.nio.charset.CharacterCodingException e) {
                throw new StorageException(where + ": a key of " + table + " does not decode: the table was altered outside the engine", e);
              }
              found.add(new Row<>(key, new Versioned<>(decode(table, key, rs.getBytes(3)), rs.getLong(2))));
            }
          }
        }
        return found;
      });
      rows.sort(Comparator.comparing(Row::key)); // primary-key order as Java orders strings
      return rows.stream().map(Row::value).toList();
    }

    private SqlTable sqlTable(Table<?> table) {
      SqlTable t = tables.get(table);
      if (t == null) {
        throw new IllegalArgumentException("unknown table " + table);
      }
      return t;
    }
  }
}
