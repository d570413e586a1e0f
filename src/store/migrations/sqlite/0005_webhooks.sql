-- The webhook outbox: an event is written in the transaction of the transition it reports, so
-- no change is ever recorded without its event. The dispatcher fans each event out into one
-- delivery per endpoint that wants it, and works the deliveries off oldest first per domain.
CREATE TABLE webhook_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    domain     TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    -- The transition and the registration as of it (store/rows.rs, versioned).
    payload    TEXT    NOT NULL,
    fanned_out BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX webhook_events_unfanned ON webhook_events (seq) WHERE NOT fanned_out;

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq       INTEGER NOT NULL,
    domain          TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    -- pending (not tried yet), failed (tried, will be tried again), delivered, dead.
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    give_up_at      BIGINT  NOT NULL,
    last_error      TEXT,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (next_attempt_at)
    WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (url, domain, event_seq)
    WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, id);

-- Endpoints that answered 410 Gone: no more deliveries until a delivery is retried by hand.
CREATE TABLE webhook_endpoints (
    url         TEXT   PRIMARY KEY,
    disabled_at BIGINT NOT NULL,
    reason      TEXT   NOT NULL
);
