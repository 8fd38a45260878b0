-- Feeds from other systems: registered alert sources, API keys, and one row per alert case.

CREATE TABLE alert_sources (
    code              TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    default_category  TEXT NOT NULL,
    per_minute        INTEGER NOT NULL,
    ack_minutes       INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
);

-- Only a SHA-256 of each key is stored; the key itself is shown once, when it is made.
CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    source      TEXT REFERENCES alert_sources (code),
    key_hash    TEXT NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

-- A source's own alert id is unique per source: a retried alert finds its first case.
CREATE TABLE alerts (
    case_id          INTEGER PRIMARY KEY REFERENCES cases (id),
    source           TEXT NOT NULL REFERENCES alert_sources (code),
    external_id      TEXT NOT NULL,
    priority         TEXT NOT NULL,
    occurred_at      INTEGER,
    received_at      INTEGER NOT NULL,
    ack_due_at       INTEGER NOT NULL,
    acknowledged_at  INTEGER,
    acknowledged_by  TEXT,
    contacted_at     INTEGER,
    contacted_by     TEXT,
    contact_note     TEXT,
    escalated_at     INTEGER,
    CONSTRAINT alerts_source_external UNIQUE (source, external_id)
);
CREATE INDEX alerts_unacknowledged ON alerts (ack_due_at) WHERE acknowledged_at IS NULL;
CREATE INDEX alerts_received ON alerts (received_at);
