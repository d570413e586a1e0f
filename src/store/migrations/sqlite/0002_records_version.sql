-- Which format `domains.records` is stored in (see src/store/rows.rs). Every row written so far
-- is version 1.
ALTER TABLE domains ADD COLUMN records_version INTEGER NOT NULL DEFAULT 1;
