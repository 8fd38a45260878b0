-- Outbound webhooks (docs/webhooks.md): subscriptions per division subtree and event type,
-- the dispatcher's cursor over case_events, the outbox (one row per subscription × event,
-- its id the stable delivery id) and the log of every attempt.

CREATE TABLE webhook_subscriptions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL,
    url            TEXT NOT NULL,
    -- The signing secret, encrypted with the vault's key.
    secret         TEXT NOT NULL,
    division_code  TEXT NOT NULL,
    -- `*` or event types separated by commas.
    events         TEXT NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     INTEGER NOT NULL,
    removed_at     INTEGER
);

-- One row. On SQLite one writer commits case_events in id order, so the id is the cursor
-- (txid stays 0); existing events are not announced.
CREATE TABLE webhook_cursor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    txid      INTEGER NOT NULL,
    event_id  INTEGER NOT NULL
);
INSERT INTO webhook_cursor (id, txid, event_id) SELECT 1, 0, COALESCE(MAX(id), 0) FROM case_events;

CREATE TABLE webhook_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id  INTEGER NOT NULL REFERENCES webhook_subscriptions (id),
    event_id         INTEGER NOT NULL REFERENCES case_events (id),
    event_type       TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- When a pending row is next due; while a sender holds it, the end of its lease.
    next_at          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_at, id) WHERE state = 'pending';
CREATE INDEX webhook_outbox_subscription ON webhook_outbox (subscription_id, id);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id    INTEGER NOT NULL REFERENCES webhook_outbox (id),
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_outbox ON webhook_attempts (outbox_id, attempt);
