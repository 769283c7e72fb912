-- Space Duck JDBC store, schema version 4 (h2): the audit tree's nodes (issue 20).
--
-- sd_audit_tree holds the hash of every perfect aligned subtree of the RFC 9162 tree over the audit
-- events once all its leaves exist (io.spaceduck.storage.AuditTreeNodes): (lvl, idx) covers the
-- events with seq from idx * 2^lvl + 1 to (idx + 1) * 2^lvl; lvl 0 holds the leaf hashes. The engine
-- writes them in the transaction that appends their events, so a checkpoint or a proof reads
-- O(log n) rows instead of the whole log. Like sd_audit, the table refuses UPDATE and DELETE.
--
-- sd_audit_head gains the tree's state beside the chain's: tree_size, how many events the tree holds
-- (equal to seq, except while an older engine still appends or before the backfill has run), and
-- tree_edge, the hashes of its right edge (the perfect subtrees of a tree of tree_size leaves, largest
-- first, 32 bytes each), which the next append needs under the head lock. Existing logs start at
-- tree_size 0: the engine backfills the tree when it opens the store, in chunks, each its own
-- transaction under the head lock (docs/storage.md).
CREATE TABLE sd_audit_tree (
  lvl SMALLINT NOT NULL,
  idx BIGINT NOT NULL,
  hash BINARY(32) NOT NULL,
  CONSTRAINT sd_audit_tree_pk PRIMARY KEY (lvl, idx),
  CONSTRAINT sd_audit_tree_node CHECK (lvl BETWEEN 0 AND 63 AND idx >= 0)
);

ALTER TABLE sd_audit_head ADD tree_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sd_audit_head ADD tree_edge VARBINARY(2048) NOT NULL DEFAULT X'';

CREATE TRIGGER sd_audit_tree_append_only BEFORE UPDATE, DELETE ON sd_audit_tree FOR EACH ROW
  CALL 'io.spaceduck.storage.jdbc.H2AppendOnlyTrigger';
