package io.spaceduck.storage.jdbc;

import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit tree's nodes ({@link AuditTreeNodes}) as rows of {@code sd_audit_tree (lvl, idx, hash)},
 * and the tree's size in the audit head row, {@code tree_size}: how many events the tree holds
 * (schema 4, {@code V4__audit_tree.sql}; schema 5, {@code V5__sparse_audit_tree.sql}).
 *
 * <p>Only the nodes of every {@value #STRIDE}th level from {@value #STRIDE} up are rows ({@link
 * #stored}): a leaf is {@code SHA-256(0x00 ‖ hash)} of the event's own {@code sd_audit.hash}, and a node
 * between two stored levels is the hash of at most 2<sup>{@value #STRIDE}-1</sup> nodes of the stored
 * level below it (or of as many events) — one range read ({@link #node}). So an append writes one row
 * per 15 events on average instead of two per event, and proofs still cost a read per level.
 *
 * <p>The group committer writes a batch's rows in the transaction of its events, under the head lock:
 * the nodes an append completes need only left siblings on the tree's right edge ({@link Tree}),
 * which the committer keeps in memory from its previous commit; after another instance appended it
 * reads them again ({@link #treeOf}: two statements, at most 15 leaves or rows per block of four
 * levels). Events
 * stored without their nodes — by an engine older than schema 4, before or during an upgrade — are
 * caught up from the events: at open by {@link #backfill} (resumable: a chunk per transaction, bounded
 * memory), and by the next append that finds the tree behind the log ({@link #extend}). Stateless.
 */
final class AuditTreeRows {
  private static final Logger log = LoggerFactory.getLogger(AuditTreeRows.class);

  private AuditTreeRows() {}

  /** Events per transaction (and per page read) of {@link #backfill}: bounds its memory and lock time. */
  static final int BACKFILL_CHUNK = 4096;

  /** The distance between stored levels (schema 5): levels 4, 8, 12, … are rows. */
  static final int STRIDE = 4;

  /** Whether the nodes of {@code level} are rows of {@code sd_audit_tree} (schema 5). */
  static boolean stored(int level) {
    return level > 0 && level % STRIDE == 0;
  }

  /** One node; {@code (lvl, idx)} is the primary key. */
  static final String INSERT = "INSERT INTO sd_audit_tree (lvl, idx, hash) VALUES (?, ?, ?)";

  /**
   * The tree of the events up to a head: its size and its right edge — the hashes of the perfect
   * subtrees a tree of {@code size} leaves is made of, one per bit set in {@code size}, largest first.
   * Those are the only nodes that the nodes of later appends need. Kept in memory by the committer;
   * read from the rows and events by {@link #readHead}.
   */
  record Tree(long size, List<Hash> edge) {
    static final Tree EMPTY = new Tree(0, List.of());

    Tree {
      if (size < 0 || edge.size() != Long.bitCount(size)) {
        throw new IllegalArgumentException("a tree of " + size + " leaves has " + Long.bitCount(size) + " edge nodes");
      }
      edge = List.copyOf(edge);
    }

    /** Whether {@code (level, index)} is a node of the right edge of a tree of {@code size} leaves. */
    static boolean onEdge(long size, int level, long index) {
      return level >= 0 && level < 63 && ((size >>> level) & 1) == 1 && index == (size >>> level) - 1;
    }

    /** The edge as a lookup: the only stored nodes {@link AuditTreeNodes#appended} asks for. */
    AuditTreeNodes.Lookup lookup() {
      return (level, index) -> onEdge(size, level, index) ? Optional.of(edge.get(position(level))) : Optional.empty();
    }

    /** Where the edge node of {@code level} is in {@link #edge}: after those of the higher set bits. */
    private int position(int level) {
      return Long.bitCount(size >>> (level + 1));
    }

    /** The tree after appending {@code added} leaves whose nodes ({@link AuditTreeNodes#appended}) are {@code nodes}. */
    Tree grow(long added, List<AuditTreeNodes.Node> nodes) {
      long n = size + added;
      Hash[] byLevel = new Hash[64];
      for (AuditTreeNodes.Node node : nodes) {
        if (onEdge(n, node.level(), node.index())) {
          byLevel[node.level()] = node.hash();
        }
      }
      List<Hash> out = new ArrayList<>(Long.bitCount(n));
      for (int level = 62; level >= 0; level--) {
        if (((n >>> level) & 1) == 1) {
          Hash h = byLevel[level];
          if (h == null) { // completed before: an edge node of the smaller tree too
            int l = level;
            h = lookup().node(level, (n >>> level) - 1).orElseThrow(
                () -> new IllegalStateException("audit tree edge node at level " + l + " is missing"));
          }
          out.add(h);
        }
      }
      return new Tree(n, out);
    }
  }

  /** The nodes of {@code nodes} that are rows ({@link #stored}). */
  static List<AuditTreeNodes.Node> rows(List<AuditTreeNodes.Node> nodes) {
    List<AuditTreeNodes.Node> out = new ArrayList<>(nodes.size() / STRIDE + 1);
    for (AuditTreeNodes.Node n : nodes) {
      if (stored(n.level())) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * A run of consecutive nodes of one level that a computation needs: level 0 (a leaf, computed from
   * {@code sd_audit.hash}) or a {@link #stored} level, indices {@code from} to {@code from + count - 1}.
   */
  record Run(int level, long from, int count) {
    /** The condition that selects the run: on {@code sd_audit} for leaves, on {@code sd_audit_tree} for rows ({@link #bind}). */
    String condition() {
      return level == 0 ? "seq > ? AND seq <= ?" : "lvl = ? AND idx >= ? AND idx < ?";
    }

    /** Binds {@link #condition}'s parameters from {@code p} on; returns the next parameter's position. */
    int bind(PreparedStatement ps, int p) throws SQLException {
      if (level > 0) {
        ps.setShort(p++, (short) level);
      }
      ps.setLong(p++, from);
      ps.setLong(p++, from + count);
      return p;
    }

    /** Where the row keyed {@code key} (an event's seq for leaves, a node's idx for rows) sits in the run; -1 if outside it. */
    int slot(long key) {
      long at = key - (level == 0 ? 1 : 0) - from;
      return at >= 0 && at < count ? (int) at : -1;
    }

    /** The node a row of the run holds: the leaf hash of an event's {@code hash}, or the stored node itself. */
    Hash node(Hash hash) {
      return level == 0 ? AuditTree.leafHash(hash) : hash;
    }
  }

  /**
   * The nodes of {@code runs}, each run's in index order, or {@code null} for a run with a node that is
   * not stored (an event or a row missing). At most two statements: one for the leaves (events), one
   * for the rows.
   */
  static List<Hash @Nullable []> read(Connection c, List<Run> runs) throws SQLException {
    List<Hash @Nullable []> out = new ArrayList<>(runs.size());
    StringBuilder events = new StringBuilder();
    StringBuilder rows = new StringBuilder();
    for (Run r : runs) {
      out.add(new Hash[r.count()]);
      if (r.count() > 0) {
        StringBuilder sql = r.level() == 0 ? events : rows;
        sql.append(sql.length() == 0 ? "(" : " OR (").append(r.condition()).append(')');
      }
    }
    if (events.length() > 0) {
      try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM sd_audit WHERE " + events)) {
        int p = 1;
        for (Run r : runs) {
          if (r.level() == 0 && r.count() > 0) {
            p = r.bind(ps, p);
          }
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long seq = rs.getLong(1);
            place(runs, out, 0, seq, hashOf(rs.getBytes(2), "the hash of audit event " + seq));
          }
        }
      }
    }
    if (rows.length() > 0) {
      try (PreparedStatement ps = c.prepareStatement("SELECT lvl, idx, hash FROM sd_audit_tree WHERE " + rows)) {
        int p = 1;
        for (Run r : runs) {
          if (r.level() > 0 && r.count() > 0) {
            p = r.bind(ps, p);
          }
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            int level = rs.getInt(1);
            long index = rs.getLong(2);
            place(runs, out, level, index, hashOf(rs.getBytes(3), "audit tree node (" + level + ", " + index + ")"));
          }
        }
      }
    }
    for (int i = 0; i < out.size(); i++) {
      for (Hash h : out.get(i)) {
        if (h == null) {
          out.set(i, null);
          break;
        }
      }
    }
    return out;
  }

  /** Puts the row keyed {@code key} of {@code level} into every run that holds it. */
  private static void place(List<Run> runs, List<Hash @Nullable []> out, int level, long key, Hash hash) {
    for (int i = 0; i < runs.size(); i++) {
      Run r = runs.get(i);
      int slot = r.level() == level ? r.slot(key) : -1;
      if (slot >= 0) {
        out.get(i)[slot] = r.node(hash);
      }
    }
  }

  /** The run of stored nodes (or leaves) that node {@code (level, index)} is the hash of. */
  static Run under(int level, long index) {
    int r = level % STRIDE;
    int base = level - r;
    return new Run(base, index << r, 1 << r);
  }

  /** The root of a perfect subtree over {@code hashes} (a power of two of them), in order. */
  static Hash perfect(Hash[] hashes, int from, int count) {
    if (count == 1) {
      return hashes[from];
    }
    int half = count / 2;
    return AuditTree.nodeHash(perfect(hashes, from, half), perfect(hashes, from + half, half));
  }

  /**
   * The tree of the first {@code size} events as the store holds it: its right edge computed from
   * the stored rows and the events — for each block of {@value #STRIDE} levels, the at most 15 nodes of
   * its lowest level that the block's edge nodes are made of.
   *
   * @throws SQLException naming the node or event that is missing
   */
  static Tree treeOf(Connection c, long size) throws SQLException {
    List<Run> runs = edgeRuns(size);
    return edgeOf(size, runs, read(c, runs));
  }

  /** What {@link #treeOf} reads: per block of {@value #STRIDE} levels, the nodes of its lowest level under the block's edge nodes. */
  static List<Run> edgeRuns(long size) {
    List<Run> runs = new ArrayList<>();
    for (int base = 0; base < 63 && (size >>> base) != 0; base += STRIDE) {
      long upTo = size >>> base; // nodes of level base before the edge's end
      long from = (size >>> (base + STRIDE)) << STRIDE;
      runs.add(new Run(base, from, (int) (upTo - from)));
    }
    return runs;
  }

  /** The tree of {@code size} leaves from the nodes of {@link #edgeRuns} ({@code read}, in the same order). */
  static Tree edgeOf(long size, List<Run> runs, List<Hash @Nullable []> read) throws SQLException {
    Hash[] byLevel = new Hash[64];
    for (int i = 0; i < runs.size(); i++) {
      Run run = runs.get(i);
      Hash[] hashes = read.get(i);
      if (hashes == null) {
        throw new SQLException(run.level() == 0
            ? "an audit event up to " + size + " is missing: the log was altered outside the engine"
            : "a node of level " + run.level() + " of the audit tree of " + size + " events is missing: the tree was altered outside the engine");
      }
      int at = 0;
      for (int level = Math.min(62, run.level() + STRIDE - 1); level >= run.level(); level--) {
        if (((size >>> level) & 1) == 1) {
          int count = 1 << (level - run.level());
          byLevel[level] = perfect(hashes, at, count);
          at += count;
        }
      }
    }
    List<Hash> edge = new ArrayList<>(Long.bitCount(size));
    for (int level = 62; level >= 0; level--) {
      if (((size >>> level) & 1) == 1) {
        edge.add(byLevel[level]);
      }
    }
    return new Tree(size, edge);
  }

  /** PostgreSQL: any number of nodes in one statement, from three column arrays ({@link #bindColumns}). */
  static final String INSERT_POSTGRESQL = "INSERT INTO sd_audit_tree (lvl, idx, hash) SELECT * FROM unnest(?::int2[], ?::int8[], ?::bytea[])";

  /** Inserts those of the nodes that are rows ({@link #stored}): one statement on PostgreSQL, one JDBC batch elsewhere. */
  static void insert(Connection c, Dialect dialect, List<AuditTreeNodes.Node> all) throws SQLException {
    List<AuditTreeNodes.Node> nodes = rows(all);
    if (nodes.isEmpty()) {
      return;
    }
    if (dialect == Dialect.POSTGRESQL) {
      try (PreparedStatement ps = c.prepareStatement(INSERT_POSTGRESQL)) {
        bindColumns(c, ps, 1, nodes);
        ps.executeUpdate();
      }
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      for (AuditTreeNodes.Node n : nodes) {
        ps.setShort(1, (short) n.level());
        ps.setLong(2, n.index());
        ps.setBytes(3, n.hash().toByteArray());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Binds {@code nodes}, rows ({@link #rows}), as three PostgreSQL arrays ({@code int2[]}, {@code int8[]},
   * {@code bytea[]}) from parameter {@code from} on, for one {@code INSERT … SELECT FROM unnest(…)}.
   */
  static void bindColumns(Connection c, PreparedStatement ps, int from, List<AuditTreeNodes.Node> nodes) throws SQLException {
    int n = nodes.size();
    Short[] lvl = new Short[n];
    Long[] idx = new Long[n];
    byte[][] hash = new byte[n][];
    for (int i = 0; i < n; i++) {
      AuditTreeNodes.Node node = nodes.get(i);
      lvl[i] = (short) node.level();
      idx[i] = node.index();
      hash[i] = node.hash().toByteArray();
    }
    ps.setArray(from, c.createArrayOf("int2", lvl));
    ps.setArray(from + 1, c.createArrayOf("int8", idx));
    ps.setArray(from + 2, c.createArrayOf("bytea", hash));
  }

  /**
   * Extends {@code tree} to {@code to} leaves from the stored events after it, a page of {@value
   * #BACKFILL_CHUNK} at a time (each page's nodes inserted before the next is read: memory stays
   * bounded however far behind the tree is). In {@code c}'s transaction, under the head lock; the
   * caller records the returned tree in the head row.
   *
   * @throws SQLException if an event is missing (the log was altered outside the engine)
   */
  static Tree extend(Connection c, Dialect dialect, Tree tree, long to) throws SQLException {
    while (tree.size() < to) {
      long upTo = Math.min(to, tree.size() + BACKFILL_CHUNK);
      List<Hash> hashes = eventHashes(c, tree.size(), upTo);
      List<AuditTreeNodes.Node> nodes = AuditTreeNodes.appended(tree.size(), hashes, tree.lookup());
      insert(c, dialect, nodes);
      tree = tree.grow(hashes.size(), nodes);
    }
    return tree;
  }

  /** The hashes of the events with {@code after < seq <= upTo}, which must all be stored. */
  private static List<Hash> eventHashes(Connection c, long after, long upTo) throws SQLException {
    List<Hash> out = new ArrayList<>((int) (upTo - after));
    try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM sd_audit WHERE seq > ? AND seq <= ? ORDER BY seq")) {
      ps.setLong(1, after);
      ps.setLong(2, upTo);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long expected = after + out.size() + 1;
          if (rs.getLong(1) != expected) {
            throw new SQLException("audit event " + expected + " is missing: the log was altered outside the engine");
          }
          out.add(hashOf(rs.getBytes(2), "the hash of audit event " + expected));
        }
      }
    }
    if (out.size() != upTo - after) {
      throw new SQLException("audit event " + (after + out.size() + 1) + " is missing: the log was altered outside the engine");
    }
    return out;
  }

  private static Hash hashOf(byte[] b, String what) throws SQLException {
    if (b == null || b.length != Hash.LENGTH) {
      throw new SQLException(what + " is not 32 bytes: the row was altered outside the engine");
    }
    return Hash.of(b);
  }

  /** The head row: the chain's newest event and the size of the tree ({@link #treeOf} reads its edge). */
  record HeadRow(long seq, Hash hash, long treeSize) {}

  static final String READ_HEAD = "SELECT seq, hash, tree_size FROM sd_audit_head WHERE id = 1";

  /** Reads the head row ({@code lock}: {@code FOR UPDATE}, the lock that serializes the chain). */
  static HeadRow readHead(Connection c, boolean lock) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lock ? READ_HEAD + " FOR UPDATE" : READ_HEAD);
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("sd_audit_head has no row: the schema was altered outside the engine");
      }
      long size = rs.getLong(3);
      if (size < 0) {
        throw new SQLException("sd_audit_head records an audit tree of " + size + " events: the row was altered outside the engine");
      }
      return new HeadRow(rs.getLong(1), hashOf(rs.getBytes(2), "sd_audit_head's hash"), size);
    }
  }

  /**
   * Writes the nodes of the events stored without them (a log written before schema 4, or by an older
   * engine still running), {@value #BACKFILL_CHUNK} events per transaction, each under the head lock —
   * so engines appending meanwhile wait at most one chunk, and a backfill cut short (a crash, a lost
   * connection) resumes where its last committed chunk ended. Returns how many events it covered.
   */
  static long backfill(DataSource ds, Dialect dialect, String where) {
    return backfill(ds, dialect, where, BACKFILL_CHUNK, Long.MAX_VALUE);
  }

  /** {@link #backfill(DataSource, Dialect, String)} in chunks of {@code chunk} events, stopping after {@code maxChunks} (tests). */
  static long backfill(DataSource ds, Dialect dialect, String where, int chunk, long maxChunks) {
    long done = 0;
    long started = System.nanoTime();
    for (long chunks = 0; chunks < maxChunks; chunks++) {
      try (Connection c = ds.getConnection()) {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        try {
          HeadRow h = readHead(c, true);
          if (h.treeSize() >= h.seq()) {
            c.rollback();
            if (h.treeSize() > h.seq()) {
              throw corrupt(where, "its audit tree holds " + h.treeSize() + " events but its audit log " + h.seq());
            }
            if (done > 0) {
              log.info("{}: audit tree backfilled for {} events in {} ms", where, done, (System.nanoTime() - started) / 1_000_000);
            }
            return done;
          }
          if (done == 0) {
            log.info("{}: backfilling the audit tree for {} events (schema 4)", where, h.seq() - h.treeSize());
          }
          long to = Math.min(h.seq(), h.treeSize() + chunk);
          Tree t = extend(c, dialect, treeOf(c, h.treeSize()), to);
          try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit_head SET tree_size = ? WHERE id = 1")) {
            ps.setLong(1, t.size());
            ps.executeUpdate();
          }
          c.commit();
          done += to - h.treeSize();
        } catch (SQLException | RuntimeException e) {
          try {
            c.rollback();
          } catch (SQLException ignored) {
            // the connection is broken; the server rolls back
          }
          throw e;
        }
      } catch (SQLException e) {
        throw Text.failure(where + ": cannot backfill the audit tree", e);
      }
    }
    return done;
  }

  /**
   * Refuses a store whose tree does not match its log where the tree meets it: the edge of the tree
   * the head row's size names must be readable ({@link #treeOf}), and the newest stored node of each
   * stored level must be the hash of the {@code 2^}{@value #STRIDE} nodes (or leaves) under it. (Every
   * other node is checked against the events by the engine's {@code audit().verify}, and against the
   * newest checkpoint by the checkpoint keeper.) Nodes and events are never rewritten, so an engine
   * appending meanwhile changes nothing it reads.
   *
   * @throws StorageException naming what does not match
   */
  static void check(DataSource ds, String where) {
    try (Connection c = ds.getConnection()) {
      HeadRow h = readHead(c, false);
      long size = h.treeSize();
      if (size > h.seq()) {
        throw corrupt(where, "its audit tree holds " + size + " events but its audit log " + h.seq());
      }
      List<Run> runs = new ArrayList<>();
      for (int level = STRIDE; level < 63 && (size >>> level) != 0; level += STRIDE) {
        long newest = (size >>> level) - 1;
        runs.add(new Run(level, newest, 1));
        runs.add(new Run(level - STRIDE, newest << STRIDE, 1 << STRIDE));
      }
      List<Hash @Nullable []> read = read(c, runs);
      for (int i = 0; i < runs.size(); i += 2) {
        Run node = runs.get(i);
        Hash[] stored = read.get(i);
        Hash[] under = read.get(i + 1);
        String name = "its audit tree node (" + node.level() + ", " + node.from() + ")";
        if (stored == null) {
          throw corrupt(where, name + " is missing");
        }
        if (under == null) {
          throw corrupt(where, node.level() == STRIDE ? "an audit event under " + name + " is missing"
              : "a node of level " + (node.level() - STRIDE) + " under " + name + " is missing");
        }
        if (!perfect(under, 0, under.length).equals(stored[0])) {
          throw corrupt(where, name + " is not the hash of the " + under.length + " " + (node.level() == STRIDE ? "events" : "nodes")
              + " under it");
        }
      }
      try {
        treeOf(c, size);
      } catch (SQLException e) {
        throw corrupt(where, e.getMessage());
      }
    } catch (SQLException e) {
      throw Text.failure(where + ": cannot check the audit tree", e);
    }
  }

  private static StorageException corrupt(String where, String what) {
    return new StorageException(where + " is corrupt: " + what + " (the audit tree no longer matches the audit log:"
        + " it was altered outside the engine)");
  }
}
