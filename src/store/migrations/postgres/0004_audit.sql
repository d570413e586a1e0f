-- The audit log (issue 29): every change made through the API or the pages, written in the
-- transaction of the change; pruned with the transitions' retention.
CREATE TABLE audit (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     BIGINT NOT NULL,
    token  TEXT,
    action TEXT   NOT NULL,
    domain TEXT,
    detail TEXT   NOT NULL
);
CREATE INDEX audit_at ON audit (at, id);
CREATE INDEX audit_domain ON audit (domain, id);
CREATE INDEX audit_token ON audit (token, id);
