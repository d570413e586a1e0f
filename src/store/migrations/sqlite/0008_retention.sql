-- Retention (src/retention.rs): finished deliveries are deleted with their event, found by it.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq);
CREATE INDEX webhook_events_created ON webhook_events (created_at, seq);
CREATE INDEX transitions_at ON transitions (at, id);

-- Readiness writes a heartbeat per replica (src/store/sqlite.rs, writable): a write that needs
-- room on the disk, so a full disk makes the daemon not ready even when nothing else writes.
CREATE TABLE heartbeats (
    replica TEXT   PRIMARY KEY,
    at      BIGINT NOT NULL,
    pad     BLOB
);
