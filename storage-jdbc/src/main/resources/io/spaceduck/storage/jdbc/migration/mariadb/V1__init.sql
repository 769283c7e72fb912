-- Space Duck JDBC store, schema version 1 (mariadb). Created by the engine through Flyway
-- (history table sd_schema_history); never edit an applied migration, add V2__... instead.
--
-- Keyed tables (one per io.spaceduck.storage.Tables entry): k = primary key (UTF-8 bytes),
-- version = compare-and-set counter (1 after insert), v = the record codec's bytes, ix_<index> =
-- a secondary index key (UTF-8 bytes; NULL = not indexed). Text is stored as bytes so that equality
-- is exact on every dialect (no collation, no trailing-space padding, NUL allowed).

CREATE TABLE sd_identities (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL,
  ix_by_operator VARBINARY(512)
) ENGINE=InnoDB;
CREATE INDEX sd_identities_by_operator ON sd_identities (ix_by_operator);

CREATE TABLE sd_contacts (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL,
  ix_by_blind_index VARBINARY(512),
  CONSTRAINT sd_contacts_by_blind_index UNIQUE (ix_by_blind_index)
) ENGINE=InnoDB;

CREATE TABLE sd_keys (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL,
  ix_by_owner VARBINARY(512)
) ENGINE=InnoDB;
CREATE INDEX sd_keys_by_owner ON sd_keys (ix_by_owner);

CREATE TABLE sd_bonds (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL,
  ix_by_operator VARBINARY(512)
) ENGINE=InnoDB;
CREATE INDEX sd_bonds_by_operator ON sd_bonds (ix_by_operator);

CREATE TABLE sd_certificates (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL,
  ix_by_subject VARBINARY(512)
) ENGINE=InnoDB;
CREATE INDEX sd_certificates_by_subject ON sd_certificates (ix_by_subject);

CREATE TABLE sd_hatches (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL
) ENGINE=InnoDB;

CREATE TABLE sd_keysets (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL
) ENGINE=InnoDB;

CREATE TABLE sd_meta (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL
) ENGINE=InnoDB;

CREATE TABLE sd_pecks (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL,
  ix_by_target VARBINARY(512),
  ix_by_requester VARBINARY(512),
  ix_by_target_operator VARBINARY(512),
  ix_by_open VARBINARY(512)
) ENGINE=InnoDB;
CREATE INDEX sd_pecks_by_target ON sd_pecks (ix_by_target);
CREATE INDEX sd_pecks_by_requester ON sd_pecks (ix_by_requester);
CREATE INDEX sd_pecks_by_target_operator ON sd_pecks (ix_by_target_operator);
CREATE INDEX sd_pecks_by_open ON sd_pecks (ix_by_open);

CREATE TABLE sd_standing_rules (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL,
  ix_by_target VARBINARY(512)
) ENGINE=InnoDB;
CREATE INDEX sd_standing_rules_by_target ON sd_standing_rules (ix_by_target);

CREATE TABLE sd_blocks (
  k VARBINARY(512) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  v LONGBLOB NOT NULL,
  ix_by_owner VARBINARY(512)
) ENGINE=InnoDB;
CREATE INDEX sd_blocks_by_owner ON sd_blocks (ix_by_owner);

-- The audit chain (A1-A5): seq is assigned gaplessly by the engine under the head-row lock below,
-- never by a sequence. UNIQUE(prev_hash) refuses a fork even if the lock were bypassed.
CREATE TABLE sd_audit (
  seq BIGINT NOT NULL PRIMARY KEY,
  ts_millis BIGINT NOT NULL,
  action VARBINARY(1024) NOT NULL,
  actor VARBINARY(1024) NOT NULL,
  resource VARBINARY(1024) NOT NULL,
  scope VARBINARY(1024),
  engine_version VARBINARY(1024) NOT NULL,
  reason VARBINARY(1024) NOT NULL,
  outcome VARBINARY(1024) NOT NULL,
  details LONGBLOB NOT NULL,
  prev_hash BINARY(32) NOT NULL,
  hash BINARY(32) NOT NULL,
  CONSTRAINT sd_audit_seq_positive CHECK (seq >= 1),
  CONSTRAINT sd_audit_prev_hash UNIQUE (prev_hash)
) ENGINE=InnoDB;
CREATE INDEX sd_audit_actor ON sd_audit (actor, seq);
CREATE INDEX sd_audit_scope ON sd_audit (scope, seq);
CREATE INDEX sd_audit_resource ON sd_audit (resource, seq);

-- One row: the newest event's seq and hash (0 and 32 zero bytes while the chain is empty). Every
-- append locks it (SELECT ... FOR UPDATE) under READ COMMITTED, links, inserts and moves it.
CREATE TABLE sd_audit_head (
  id INT NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash BINARY(32) NOT NULL,
  CONSTRAINT sd_audit_head_one_row CHECK (id = 1)
) ENGINE=InnoDB;
INSERT INTO sd_audit_head (id, seq, hash) VALUES (1, 0, UNHEX(REPEAT('00', 32)));

-- Pulses (U1-U3): not audited, high volume. at_key = the pulse instant in epoch nanoseconds (exact
-- for every java.time.Instant); history ordered by at_key, ties by recording order (rec).
CREATE TABLE sd_pulses (
  rec BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  agent VARBINARY(512) NOT NULL,
  at_key DECIMAL(30, 0) NOT NULL,
  v LONGBLOB NOT NULL
) ENGINE=InnoDB;
CREATE INDEX sd_pulses_agent ON sd_pulses (agent, at_key, rec);
CREATE INDEX sd_pulses_at ON sd_pulses (at_key);
CREATE TABLE sd_pulse_latest (
  agent VARBINARY(512) NOT NULL PRIMARY KEY,
  at_key DECIMAL(30, 0) NOT NULL,
  v LONGBLOB NOT NULL
) ENGINE=InnoDB;

-- The audit table refuses UPDATE and DELETE through the database too (TRUNCATE is DDL: refuse it by
-- grants). A user who can drop triggers can still tamper, which verifyAudit then detects. In
-- production grant the engine's user only SELECT, INSERT on sd_audit (docs/storage.md).
CREATE TRIGGER sd_audit_no_update BEFORE UPDATE ON sd_audit FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sd_audit is append-only: UPDATE refused';
CREATE TRIGGER sd_audit_no_delete BEFORE DELETE ON sd_audit FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sd_audit is append-only: DELETE refused';
CREATE TRIGGER sd_audit_head_no_delete BEFORE DELETE ON sd_audit_head FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'sd_audit_head: DELETE refused';
