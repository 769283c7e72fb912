-- Space Duck JDBC store, schema version 2 (postgresql): pending hatches get two indexes (io.spaceduck.storage.Tables):
-- ix_by_blind_index, the keyed blind index of the hatch's email, so that a deletion request (D1)
-- deletes the person's pending hatches; and ix_by_pending ('pending' for every row), so that the
-- engine's sweep finds hatches that have ended and deletes them with their encrypted email.
--
-- Rows written by schema version 1 carry no blind index in their record, so their ix_by_blind_index
-- stays NULL (the record says the same); every one of them is marked pending, so the first sweep
-- deletes those that have ended.

ALTER TABLE sd_hatches ADD ix_by_blind_index BYTEA;
ALTER TABLE sd_hatches ADD ix_by_pending BYTEA;
UPDATE sd_hatches SET ix_by_pending = decode('70656e64696e67', 'hex');
CREATE INDEX sd_hatches_by_blind_index ON sd_hatches (ix_by_blind_index);
CREATE INDEX sd_hatches_by_pending ON sd_hatches (ix_by_pending);
