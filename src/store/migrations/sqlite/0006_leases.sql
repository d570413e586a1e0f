-- Leases name their holder. A claimed registration is leased to one replica until
-- lease_until: a result is written only while that replica holds it (or nobody does), and a
-- replica that died lets it go when the lease runs out. A claim also moves next_check_at to
-- lease_until, so leased rows leave the head of the due index.
ALTER TABLE domains ADD COLUMN lease_owner TEXT;
ALTER TABLE domains ADD COLUMN lease_until BIGINT;
-- The same for webhook deliveries: one replica sends a given delivery.
ALTER TABLE webhook_deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN lease_until BIGINT;
