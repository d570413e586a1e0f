-- The same as SQLite's migration 8 (src/store/migrations/sqlite/0008_retention.sql).
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq);
CREATE INDEX webhook_events_created ON webhook_events (created_at, seq);
CREATE INDEX transitions_at ON transitions (at, id);

CREATE TABLE heartbeats (
    replica TEXT   PRIMARY KEY,
    at      BIGINT NOT NULL,
    pad     BYTEA
);
