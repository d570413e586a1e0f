-- Test addresses and the messages received at them (issue 27). A registration is proven by a
-- test message that passed since it last changed: proven_at, cleared by every registration
-- change (register sets it to NULL with the new generation).
ALTER TABLE domains ADD COLUMN proven_at BIGINT;

-- An address given out for a domain: local part (random, unguessable) → domain, until
-- expires_at. Kept a while after it expires, so a late message is refused as expired.
CREATE TABLE test_addresses (
    local_part TEXT   PRIMARY KEY,
    domain     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX test_addresses_expiry ON test_addresses (expires_at);
CREATE INDEX test_addresses_domain ON test_addresses (domain, expires_at);

-- A message received at a test address: its header block and verdict (the body is dropped
-- once verified), with the envelope, in verdict (store/rows.rs, versioned by verdict_version).
CREATE TABLE test_messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    domain          TEXT    NOT NULL,
    received_at     BIGINT  NOT NULL,
    -- The registration's generation when the message arrived.
    generation      BIGINT  NOT NULL,
    outcome         TEXT    NOT NULL,
    verdict         TEXT    NOT NULL,
    verdict_version BIGINT  NOT NULL
);
CREATE INDEX test_messages_domain ON test_messages (domain, seq);
CREATE INDEX test_messages_received ON test_messages (received_at);
