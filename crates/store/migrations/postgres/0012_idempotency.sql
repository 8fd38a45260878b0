-- Idempotency-Key: the first response to a creating POST, per principal (a user, or an API
-- key by its hash), method, path and key, kept 24 hours. A row without a status is a request
-- still running; request_hash (SHA-256 of query string and body) tells a replay from a
-- different request under the same key.

CREATE TABLE idempotency_keys (
    principal     TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        BIGINT,
    headers       TEXT,
    body          BYTEA,
    created_at    BIGINT NOT NULL,
    completed_at  BIGINT,
    PRIMARY KEY (principal, method, path, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
