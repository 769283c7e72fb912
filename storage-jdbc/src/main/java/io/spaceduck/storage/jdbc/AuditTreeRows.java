package io.spaceduck.storage.jdbc;

import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Hash;
import io.spaceduck.storage.AuditTreeNodes;
import io.spaceduck.storage.StorageException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit tree's nodes ({@link AuditTreeNodes}) as rows of {@code sd_audit_tree (lvl, idx, hash)},
 * and the tree's state in the audit head row: {@code tree_size}, how many events the tree holds, and
 * {@code tree_edge}, the hashes of its right edge (schema 4, {@code V4__audit_tree.sql}).
 *
 * <p>The group committer writes a batch's nodes in the transaction of its events, under the head
 * lock: the nodes an append completes need only left siblings on the tree's right edge, which the
 * head row holds ({@link Tree}), so an append reads no node. Events stored without their nodes — by
 * an engine older than schema 4, before or during an upgrade — are caught up from the events: at open
 * by {@link #backfill} (resumable: a chunk per transaction, bounded memory), and by the next append
 * that finds the tree behind the log ({@link #extend}). Stateless.
 */
final class AuditTreeRows {
  private static final Logger log = LoggerFactory.getLogger(AuditTreeRows.class);

  private AuditTreeRows() {}

  /** Events per transaction (and per page read) of {@link #backfill}: bounds its memory and lock time. */
  static final int BACKFILL_CHUNK = 4096;

  /** One node; {@code (lvl, idx)} is the primary key. */
  static final String INSERT = "INSERT INTO sd_audit_tree (lvl, idx, hash) VALUES (?, ?, ?)";

  /**
   * The tree as the head row records it: its size and its right edge — the hashes of the perfect
   * subtrees a tree of {@code size} leaves is made of, one per bit set in {@code size}, largest first.
   * Those are the only stored nodes that the nodes of later appends need.
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

    /** The {@code tree_edge} column: the edge hashes, 32 bytes each. */
    byte[] encodedEdge() {
      ByteBuffer b = ByteBuffer.allocate(edge.size() * Hash.LENGTH);
      edge.forEach(h -> b.put(h.toByteArray()));
      return b.array();
    }

    /** The tree of a head row. */
    static Tree decode(long size, byte[] edge) throws SQLException {
      if (size < 0 || edge == null || edge.length != Long.bitCount(size) * Hash.LENGTH) {
        throw new SQLException("sd_audit_head's tree_edge does not fit its tree_size " + size
            + ": the row was altered outside the engine");
      }
      List<Hash> hashes = new ArrayList<>();
      for (int at = 0; at < edge.length; at += Hash.LENGTH) {
        hashes.add(Hash.of(java.util.Arrays.copyOfRange(edge, at, at + Hash.LENGTH)));
      }
      return new Tree(size, hashes);
    }
  }

  /** PostgreSQL: any number of nodes in one statement, from three column arrays ({@link #bindColumns}). */
  static final String INSERT_POSTGRESQL = "INSERT INTO sd_audit_tree (lvl, idx, hash) SELECT * FROM unnest(?::int2[], ?::int8[], ?::bytea[])";

  /** Inserts the nodes: one statement on PostgreSQL, one JDBC batch elsewhere. */
  static void insert(Connection c, Dialect dialect, List<AuditTreeNodes.Node> nodes) throws SQLException {
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
   * Binds the nodes as three PostgreSQL arrays ({@code int2[]}, {@code int8[]}, {@code bytea[]}) from
   * parameter {@code from} on, for one {@code INSERT … SELECT FROM unnest(…)}.
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

  /** The head row: the chain's newest event and the tree. */
  record HeadRow(long seq, Hash hash, Tree tree) {}

  static final String READ_HEAD = "SELECT seq, hash, tree_size, tree_edge FROM sd_audit_head WHERE id = 1";

  /** Reads the head row ({@code lock}: {@code FOR UPDATE}, the lock that serializes the chain). */
  static HeadRow readHead(Connection c, boolean lock) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lock ? READ_HEAD + " FOR UPDATE" : READ_HEAD);
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("sd_audit_head has no row: the schema was altered outside the engine");
      }
      return new HeadRow(rs.getLong(1), hashOf(rs.getBytes(2), "sd_audit_head's hash"), Tree.decode(rs.getLong(3), rs.getBytes(4)));
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
          if (h.tree().size() >= h.seq()) {
            c.rollback();
            if (h.tree().size() > h.seq()) {
              throw corrupt(where, "its audit tree holds " + h.tree().size() + " events but its audit log " + h.seq());
            }
            if (done > 0) {
              log.info("{}: audit tree backfilled for {} events in {} ms", where, done, (System.nanoTime() - started) / 1_000_000);
            }
            return done;
          }
          if (done == 0) {
            log.info("{}: backfilling the audit tree for {} events (schema 4)", where, h.seq() - h.tree().size());
          }
          long to = Math.min(h.seq(), h.tree().size() + chunk);
          Tree t = extend(c, dialect, h.tree(), to);
          try (PreparedStatement ps = c.prepareStatement("UPDATE sd_audit_head SET tree_size = ?, tree_edge = ? WHERE id = 1")) {
            ps.setLong(1, t.size());
            ps.setBytes(2, t.encodedEdge());
            ps.executeUpdate();
          }
          c.commit();
          done += to - h.tree().size();
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
   * Refuses a store whose tree does not match its log where the tree meets it: the edge the head row
   * records must be the stored nodes there, and the tree's last leaf the leaf of the event at its
   * size. (Every other node is checked against the events by the engine's {@code audit().verify}.)
   * Nodes and events are never rewritten, so an engine appending meanwhile changes nothing it reads.
   *
   * @throws StorageException naming what does not match
   */
  static void check(DataSource ds, String where) {
    try (Connection c = ds.getConnection()) {
      HeadRow h = readHead(c, false);
      Tree t = h.tree();
      if (t.size() > h.seq()) {
        throw corrupt(where, "its audit tree holds " + t.size() + " events but its audit log " + h.seq());
      }
      if (t.size() == 0) {
        return;
      }
      List<int[]> levels = new ArrayList<>();
      StringBuilder sql = new StringBuilder("SELECT lvl, idx, hash FROM sd_audit_tree WHERE (lvl = 0 AND idx = ?)");
      for (int level = 62; level >= 0; level--) {
        if (((t.size() >>> level) & 1) == 1) {
          levels.add(new int[] {level});
          sql.append(" OR (lvl = ? AND idx = ?)");
        }
      }
      Hash[] stored = new Hash[64];
      Hash lastLeaf = null;
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        int i = 1;
        ps.setLong(i++, t.size() - 1);
        for (int[] l : levels) {
          ps.setShort(i++, (short) l[0]);
          ps.setLong(i++, (t.size() >>> l[0]) - 1);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            int level = rs.getInt(1);
            long index = rs.getLong(2);
            Hash hash = hashOf(rs.getBytes(3), "audit tree node (" + level + ", " + index + ")");
            if (level == 0 && index == t.size() - 1) {
              lastLeaf = hash;
            }
            if (Tree.onEdge(t.size(), level, index)) {
              stored[level] = hash;
            }
          }
        }
      }
      int at = 0;
      for (int[] l : levels) {
        Hash recorded = t.edge().get(at++);
        if (!recorded.equals(stored[l[0]])) {
          throw corrupt(where, "its audit tree node (" + l[0] + ", " + ((t.size() >>> l[0]) - 1) + ") "
              + (stored[l[0]] == null ? "is missing" : "is not the one its audit head records"));
        }
      }
      Hash event;
      try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM sd_audit WHERE seq = ?")) {
        ps.setLong(1, t.size());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw corrupt(where, "its audit tree holds " + t.size() + " events but audit event " + t.size() + " is missing");
          }
          event = hashOf(rs.getBytes(1), "the hash of audit event " + t.size());
        }
      }
      if (lastLeaf == null || !lastLeaf.equals(AuditTree.leafHash(event))) {
        throw corrupt(where, "its audit tree's leaf " + (t.size() - 1) + " is not that of audit event " + t.size());
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
