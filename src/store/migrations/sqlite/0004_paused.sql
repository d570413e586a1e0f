-- A paused registration keeps its status and history but is not checked: the due set leaves
-- it out, so the scheduler's index never walks over paused rows.
ALTER TABLE domains ADD COLUMN paused BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX domains_due;
CREATE INDEX domains_due ON domains (next_check_at) WHERE active AND NOT paused;
