-- Registrations, their latest result and status, and status history.
-- Portable SQL (SQLite now, PostgreSQL later): times are UTC milliseconds since the epoch.

CREATE TABLE domains (
    domain               TEXT    PRIMARY KEY,
    profile              TEXT    NOT NULL,
    token                TEXT,
    active               BOOLEAN NOT NULL,
    -- Bumped by every registration change, so a check started before it cannot overwrite it.
    generation           BIGINT  NOT NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    status               TEXT    NOT NULL,
    status_since         BIGINT  NOT NULL,
    consecutive_failures INTEGER NOT NULL,
    checked_at           BIGINT,
    next_check_at        BIGINT  NOT NULL,
    ready                BOOLEAN NOT NULL,
    -- The latest check's records, as the contract's JSON record objects.
    records              TEXT    NOT NULL
);

-- The scheduler's due set: only active rows, by time, so a tick reads what is due and no more.
CREATE INDEX domains_due ON domains (next_check_at) WHERE active;
-- Listing by status in domain order.
CREATE INDEX domains_status ON domains (status, domain) WHERE active;

CREATE TABLE transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    domain      TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    reason      TEXT    NOT NULL
);

CREATE INDEX transitions_domain ON transitions (domain, id);
