-- Space Duck JDBC store, schema version 1 (postgresql). Created by the engine through Flyway
-- (history table sd_schema_history); never edit an applied migration, add V2__... instead.
--
-- Keyed tables (one per io.spaceduck.storage.Tables entry): k = primary key (UTF-8 bytes),
-- version = compare-and-set counter (1 after insert), v = the record codec's bytes, ix_<index> =
-- a secondary index key (UTF-8 bytes; NULL = not indexed). Text is stored as bytes so that equality
-- is exact on every dialect (no collation, no trailing-space padding, NUL allowed).

CREATE TABLE sd_identities (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL,
  ix_by_operator BYTEA
);
CREATE INDEX sd_identities_by_operator ON sd_identities (ix_by_operator);

CREATE TABLE sd_contacts (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL,
  ix_by_blind_index BYTEA,
  CONSTRAINT sd_contacts_by_blind_index UNIQUE (ix_by_blind_index)
);

CREATE TABLE sd_keys (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL,
  ix_by_owner BYTEA
);
CREATE INDEX sd_keys_by_owner ON sd_keys (ix_by_owner);

CREATE TABLE sd_bonds (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL,
  ix_by_operator BYTEA
);
CREATE INDEX sd_bonds_by_operator ON sd_bonds (ix_by_operator);

CREATE TABLE sd_certificates (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL,
  ix_by_subject BYTEA
);
CREATE INDEX sd_certificates_by_subject ON sd_certificates (ix_by_subject);

CREATE TABLE sd_hatches (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL
);

CREATE TABLE sd_keysets (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL
);

CREATE TABLE sd_meta (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL
);

CREATE TABLE sd_pecks (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL,
  ix_by_target BYTEA,
  ix_by_requester BYTEA,
  ix_by_target_operator BYTEA,
  ix_by_open BYTEA
);
CREATE INDEX sd_pecks_by_target ON sd_pecks (ix_by_target);
CREATE INDEX sd_pecks_by_requester ON sd_pecks (ix_by_requester);
CREATE INDEX sd_pecks_by_target_operator ON sd_pecks (ix_by_target_operator);
CREATE INDEX sd_pecks_by_open ON sd_pecks (ix_by_open);

CREATE TABLE sd_standing_rules (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL,
  ix_by_target BYTEA
);
CREATE INDEX sd_standing_rules_by_target ON sd_standing_rules (ix_by_target);

CREATE TABLE sd_blocks (
  k BYTEA NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v BYTEA NOT NULL,
  ix_by_owner BYTEA
);
CREATE INDEX sd_blocks_by_owner ON sd_blocks (ix_by_owner);

-- The audit chain (A1-A5): seq is assigned gaplessly by the engine under the head-row lock below,
-- never by a sequence. UNIQUE(prev_hash) refuses a fork even if the lock were bypassed.
CREATE TABLE sd_audit (
  seq BIGINT NOT NULL PRIMARY KEY,
  ts_millis BIGINT NOT NULL,
  action BYTEA NOT NULL,
  actor BYTEA NOT NULL,
  resource BYTEA NOT NULL,
  scope BYTEA,
  engine_version BYTEA NOT NULL,
  reason BYTEA NOT NULL,
  outcome BYTEA NOT NULL,
  details BYTEA NOT NULL,
  prev_hash BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  CONSTRAINT sd_audit_seq_positive CHECK (seq >= 1),
  CONSTRAINT sd_audit_prev_hash UNIQUE (prev_hash)
);
CREATE INDEX sd_audit_actor ON sd_audit (actor, seq);
CREATE INDEX sd_audit_scope ON sd_audit (scope, seq);
CREATE INDEX sd_audit_resource ON sd_audit (resource, seq);

-- One row: the newest event's seq and hash (0 and 32 zero bytes while the chain is empty). Every
-- append locks it (SELECT ... FOR UPDATE) under READ COMMITTED, links, inserts and moves it.
CREATE TABLE sd_audit_head (
  id INT NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash BYTEA NOT NULL,
  CONSTRAINT sd_audit_head_one_row CHECK (id = 1)
);
INSERT INTO sd_audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Pulses (U1-U3): not audited, high volume. at_key = the pulse instant in epoch nanoseconds (exact
-- for every java.time.Instant); history ordered by at_key, ties by recording order (rec).
CREATE TABLE sd_pulses (
  rec BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent BYTEA NOT NULL,
  at_key DECIMAL(30, 0) NOT NULL,
  v BYTEA NOT NULL
);
CREATE INDEX sd_pulses_agent ON sd_pulses (agent, at_key, rec);
CREATE INDEX sd_pulses_at ON sd_pulses (at_key);
CREATE TABLE sd_pulse_latest (
  agent BYTEA NOT NULL PRIMARY KEY,
  at_key DECIMAL(30, 0) NOT NULL,
  v BYTEA NOT NULL
);

-- The audit table refuses UPDATE, DELETE and TRUNCATE through the database too: a role that can
-- lift triggers (the owner, a superuser) can still tamper, which verifyAudit then detects. In
-- production grant the engine's role only SELECT, INSERT on sd_audit (docs/storage.md).
CREATE FUNCTION sd_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'sd_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER sd_audit_append_only BEFORE UPDATE OR DELETE ON sd_audit
  FOR EACH ROW EXECUTE FUNCTION sd_refuse_audit_change();
CREATE TRIGGER sd_audit_no_truncate BEFORE TRUNCATE ON sd_audit
  FOR EACH STATEMENT EXECUTE FUNCTION sd_refuse_audit_change();
CREATE TRIGGER sd_audit_head_no_delete BEFORE DELETE ON sd_audit_head
  FOR EACH ROW EXECUTE FUNCTION sd_refuse_audit_change();
CREATE TRIGGER sd_audit_head_no_truncate BEFORE TRUNCATE ON sd_audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION sd_refuse_audit_change();

-- The head only moves forward.
CREATE FUNCTION sd_refuse_head_rewind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.seq < OLD.seq THEN
    RAISE EXCEPTION 'sd_audit_head only moves forward' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER sd_audit_head_forward BEFORE UPDATE ON sd_audit_head
  FOR EACH ROW EXECUTE FUNCTION sd_refuse_head_rewind();
