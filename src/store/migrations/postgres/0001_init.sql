-- The PostgreSQL schema: the same tables, columns and meanings as SQLite's migrations 1 to 6
-- (src/store/migrations/sqlite/), in PostgreSQL's types. Times are UTC milliseconds since the
-- epoch (BIGINT) in both, so the row decoding is shared; integers are BIGINT, identity columns
-- replace AUTOINCREMENT. Domains sort byte by byte (COLLATE "C"), as the SQLite read model
-- lists them, so pages are the same on both backends.

CREATE TABLE domains (
    domain               TEXT COLLATE "C" PRIMARY KEY,
    profile              TEXT    NOT NULL,
    token                TEXT,
    active               BOOLEAN NOT NULL,
    -- Bumped by every registration change, so a check started before it cannot overwrite it.
    generation           BIGINT  NOT NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    status               TEXT    NOT NULL,
    status_since         BIGINT  NOT NULL,
    consecutive_failures BIGINT  NOT NULL,
    checked_at           BIGINT,
    next_check_at        BIGINT  NOT NULL,
    ready                BOOLEAN NOT NULL,
    -- The latest check's records (src/store/rows.rs, versioned).
    records              TEXT    NOT NULL,
    records_version      BIGINT  NOT NULL DEFAULT 1,
    -- The profile's parameters besides the token, as a JSON object of strings.
    params               TEXT    NOT NULL DEFAULT '{}',
    paused               BOOLEAN NOT NULL DEFAULT FALSE,
    -- The replica checking the row, until lease_until (src/store/mod.rs, claim_due).
    lease_owner          TEXT,
    lease_until          BIGINT
);

-- The due set every replica claims from: only rows that can be due, by time, so a claim reads
-- the head of the index and no more, however large the table.
CREATE INDEX domains_due ON domains (next_check_at) WHERE active AND NOT paused;
CREATE INDEX domains_status ON domains (status, domain) WHERE active;
-- A replica's leases, let go at shutdown.
CREATE INDEX domains_leased ON domains (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE transitions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain      TEXT   NOT NULL,
    at          BIGINT NOT NULL,
    from_status TEXT,
    to_status   TEXT   NOT NULL,
    reason      TEXT   NOT NULL
);
CREATE INDEX transitions_domain ON transitions (domain, id);

-- The webhook outbox: an event is written in the transaction of the transition it reports.
CREATE TABLE webhook_events (
    seq        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    domain     TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    payload    TEXT    NOT NULL,
    fanned_out BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX webhook_events_unfanned ON webhook_events (seq) WHERE NOT fanned_out;

CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_seq       BIGINT NOT NULL,
    domain          TEXT   NOT NULL,
    url             TEXT   NOT NULL,
    -- pending (not tried yet), failed (tried, will be tried again), delivered, dead.
    status          TEXT   NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    give_up_at      BIGINT NOT NULL,
    last_error      TEXT,
    updated_at      BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT
);
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (next_attempt_at)
    WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (url, domain, event_seq)
    WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, id);

CREATE TABLE webhook_endpoints (
    url         TEXT   PRIMARY KEY,
    disabled_at BIGINT NOT NULL,
    reason      TEXT   NOT NULL
);
