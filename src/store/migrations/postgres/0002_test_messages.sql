-- Test addresses and the messages received at them: the same tables and meanings as SQLite's
-- migration 7 (src/store/migrations/sqlite/0007_test_messages.sql).
ALTER TABLE domains ADD COLUMN proven_at BIGINT;

CREATE TABLE test_addresses (
    local_part TEXT   PRIMARY KEY,
    domain     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX test_addresses_expiry ON test_addresses (expires_at);
CREATE INDEX test_addresses_domain ON test_addresses (domain, expires_at);

CREATE TABLE test_messages (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT   NOT NULL UNIQUE,
    domain          TEXT   NOT NULL,
    received_at     BIGINT NOT NULL,
    generation      BIGINT NOT NULL,
    outcome         TEXT   NOT NULL,
    verdict         TEXT   NOT NULL,
    verdict_version BIGINT NOT NULL
);
CREATE INDEX test_messages_domain ON test_messages (domain, seq);
CREATE INDEX test_messages_received ON test_messages (received_at);
