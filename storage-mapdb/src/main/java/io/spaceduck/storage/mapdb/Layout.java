package io.spaceduck.storage.mapdb;

import io.spaceduck.storage.Index;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Table;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

/**
 * The names and key encodings of format version {@value #FORMAT_VERSION} of a MapDB store file. Keys
 * that come from callers are stored as {@code char[]} ({@code Serializer.CHAR_ARRAY}): MapDB's {@code
 * Serializer.STRING} replaces an unpaired surrogate by U+FFFD, which would make two different keys one.
 * {@code CHAR_ARRAY} is lossless and orders exactly like {@link String#compareTo}.
 *
 * <pre>
 * store.meta     String → String   format_version, audit_head ("seq:hex"), pulse_counter,
 *                                  tree_upgrade (only while a format-2/3 file is being upgraded)
 * rows           char[] → byte[]   group(table) + primary key → u64 version | codec bytes
 * index          set of char[]     group(table.index) + group(index key) + primary key
 * audit          Long → byte[]     seq → {@link AuditCodec#record}: the event, then the tree nodes it completes
 * audit.tree     Long → byte[]     format 3 only (emptied by the upgrade to 4): {@link #treeKey}(level, index)
 *                                  → the 32-byte node hash
 * pulse.latest   char[] → byte[]   agent id → Codecs.PULSE bytes
 * pulse.history  char[] → byte[]   group(agent id) + pulse order → Codecs.PULSE bytes
 * </pre>
 *
 * <p>All tables share one B-tree and all indexes another: MapDB's cost to create and open a file grows
 * with the number of named collections (27 separate ones took ≈ 20 ms more per open). {@code
 * group(s)} escapes every U+0000 of {@code s} as U+0000 U+0002 and ends with U+0000 U+0001, so the
 * keys of one group are exactly those in {@code [group(s), groupEnd(s))}, whatever characters they
 * hold, in primary-key order. Stateless.
 */
final class Layout {
  private Layout() {}

  /**
   * The format this engine writes and the newest it reads. Format 2 adds the index entries of the
   * pending-hatch indexes ({@code Tables.HATCHES_BY_*}); format 3 adds {@value #AUDIT_TREE}, the audit
   * tree's nodes ({@code AuditTreeNodes}), written with the events; format 4 keeps those nodes inside the
   * records of the events that complete them ({@link AuditCodec#record}) instead, so an append dirties
   * one B-tree, not two. An older file is upgraded when it is opened ({@code MapDbStorage}).
   */
  static final int FORMAT_VERSION = 4;

  static final String META = "store.meta";
  static final String META_FORMAT_VERSION = "format_version";
  static final String META_AUDIT_HEAD = "audit_head";
  static final String META_PULSE_COUNTER = "pulse_counter";

  /**
   * Present only while a format-2 or format-3 file is being upgraded to format 4: the seq up to which the
   * {@value #AUDIT} records already carry their tree nodes. The upgrade writes format 4 first, so an older
   * engine refuses a half-upgraded file.
   */
  static final String META_TREE_UPGRADE = "tree_upgrade";
  static final String ROWS = "rows";
  static final String INDEX = "index";
  static final String AUDIT = "audit";
  static final String PULSE_LATEST = "pulse.latest";
  static final String PULSE_HISTORY = "pulse.history";
  /** Format 3's separate map of tree nodes; format 4 reads it only to empty it while upgrading. */
  static final String AUDIT_TREE = "audit.tree";

  /**
   * The seq of the event whose record holds the node {@code (level, index)}: its last leaf's, {@code
   * (index + 1) · 2^level}; -1 if that is no seq ({@code level} outside {@code 0 … 62}, or the seq
   * would overflow).
   */
  static long completingSeq(int level, long index) {
    if (level < 0 || level > 62 || index < 0 || index >= (Long.MAX_VALUE >> level)) {
      return -1;
    }
    return (index + 1) << level;
  }

  /**
   * Format 3: the key of the audit tree node {@code (level, index)} in {@value #AUDIT_TREE}: its position in the post-order of the tree
   * ({@code 2m - popcount(m) + 2^(level+1) - 2}, {@code m = index · 2^level} the leaves before it).
   * The nodes one append completes — its leaf and the subtrees that leaf closes — are consecutive in
   * post-order, as the appends are: every commit writes one run of adjacent keys (few B-tree pages),
   * and a tree of {@code n} leaves is exactly the keys below {@link #treeNodes treeNodes(n)}.
   */
  static long treeKey(int level, long index) {
    if (!hasTreeKey(level, index)) {
      throw new IllegalArgumentException("no tree key for (" + level + ", " + index + ")");
    }
    long m = index << level;
    return treeNodes(m) + (1L << (level + 1)) - 2;
  }

  /** Whether {@code (level, index)} has a tree key: its leaves lie below {@code 2^60}. */
  static boolean hasTreeKey(int level, long index) {
    return level >= 0 && level <= 59 && index >= 0 && index < (1L << (60 - level));
  }

  /** How many nodes a tree of {@code leaves} leaves has: {@code 2n - popcount(n)}. */
  static long treeNodes(long leaves) {
    return 2 * leaves - Long.bitCount(leaves);
  }

  /** The leaves of the tree whose nodes are exactly the keys {@code [0, nodes)}, or -1 if there is none. */
  static long treeLeaves(long nodes) {
    long lo = 0;
    long hi = nodes; // treeNodes(n) >= n
    while (lo < hi) { // treeNodes is strictly increasing
      long mid = (lo + hi) >>> 1;
      if (treeNodes(mid) < nodes) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return treeNodes(lo) == nodes ? lo : -1;
  }

  /** The key of a row: {@code group(table) + primaryKey}. */
  static char[] rowKey(Table<?> table, String primaryKey) {
    return concat(prefix(table.name()), primaryKey);
  }

  /** The group of an index's entries for one index key. */
  static char[] indexGroup(Index<?> index, String indexKey) {
    return (indexId(index) + new String(prefix(indexKey))).toCharArray();
  }

  static char[] indexGroupEnd(Index<?> index, String indexKey) {
    return (indexId(index) + new String(prefixEnd(indexKey))).toCharArray();
  }

  private static String indexId(Index<?> index) {
    return new String(prefix(index.table().name() + "." + index.name()));
  }

  private static char[] concat(char[] p, String tail) {
    char[] out = Arrays.copyOf(p, p.length + tail.length());
    tail.getChars(0, tail.length(), out, p.length);
    return out;
  }

  private static String escape(String s) {
    return s.indexOf('\u0000') < 0 ? s : s.replace("\u0000", "\u0000\u0002");
  }

  /** The first key of the group {@code s}; every key of the group starts with it. */
  static char[] prefix(String s) {
    return (escape(s) + "\u0000\u0001").toCharArray();
  }

  /** The first key after the group {@code s} (exclusive bound). */
  static char[] prefixEnd(String s) {
    return (escape(s) + "\u0000\u0002").toCharArray();
  }

  /** An index entry: {@code indexGroup(index, indexKey) + primaryKey}. */
  static char[] indexEntry(Index<?> index, String indexKey, String primaryKey) {
    return concat(indexGroup(index, indexKey), primaryKey);
  }

  /** The primary key of an index entry of the group whose prefix is {@code prefixLength} chars long. */
  static String primaryKeyOf(char[] entry, int prefixLength) {
    return new String(entry, prefixLength, entry.length - prefixLength);
  }

  /**
   * 24 hex digits that sort newest first: the inverted (unsigned-mapped) epoch second, then the
   * inverted nanosecond.
   */
  static String timeOrder(Instant at) {
    return hex16(~(at.getEpochSecond() ^ Long.MIN_VALUE)) + hex8(999_999_999 - at.getNano());
  }

  /** A history key: newest first, and for equal instants the later recorded ({@code counter}) first. */
  static char[] pulseKey(String agent, Instant at, long counter) {
    return (new String(prefix(agent)) + timeOrder(at) + hex16(Long.MAX_VALUE - counter)).toCharArray();
  }

  /**
   * The first history key of {@code agent} strictly older than {@code cutoff}: {@code 'g'} sorts after
   * every hex digit, so every key with the cutoff's own time order is excluded.
   */
  static char[] pulseOlderThan(String agent, Instant cutoff) {
    return (new String(prefix(agent)) + timeOrder(cutoff) + "g").toCharArray();
  }

  private static String hex16(long v) {
    String h = Long.toHexString(v);
    return "0".repeat(16 - h.length()) + h;
  }

  private static String hex8(int v) {
    String h = Integer.toHexString(v);
    return "0".repeat(8 - h.length()) + h;
  }

  /** A stored row: its version, then the codec bytes. */
  static byte[] row(long version, byte[] body) {
    return ByteBuffer.allocate(8 + body.length).putLong(version).put(body).array();
  }

  static long rowVersion(byte[] row, String where) {
    if (row.length < 9) {
      throw new StorageException("corrupt row (" + row.length + " bytes) in " + where);
    }
    return ByteBuffer.wrap(row).getLong();
  }

  static byte[] rowBody(byte[] row) {
    return Arrays.copyOfRange(row, 8, row.length);
  }
}
