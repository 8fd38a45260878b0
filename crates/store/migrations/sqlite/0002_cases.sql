-- Cases: taxonomy, routing rules, per-county-per-year numbers, cases with their parties,
-- the nodes that held them, and their append-only timeline.

CREATE TABLE categories (
    code         TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    parent_code  TEXT REFERENCES categories (code),
    position     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE routing_rules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    within_code  TEXT,
    kind         TEXT,
    category     TEXT,
    target       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE case_counters (
    county  TEXT NOT NULL,
    year    INTEGER NOT NULL,
    next    INTEGER NOT NULL,
    PRIMARY KEY (county, year)
);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    number          TEXT NOT NULL,
    tracking_code   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    category        TEXT NOT NULL REFERENCES categories (code),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    channel         TEXT NOT NULL,
    community_code  TEXT NOT NULL REFERENCES divisions (code),
    address         TEXT,
    lat             REAL,
    lon             REAL,
    state           TEXT NOT NULL,
    suspended_at    INTEGER,
    supervised      BOOLEAN NOT NULL DEFAULT FALSE,
    assignee_code   TEXT,
    assignee_level  TEXT,
    assigned_at     INTEGER,
    due_at          INTEGER,
    outcome         TEXT,
    agreement       TEXT,
    referral        TEXT,
    escalations     INTEGER NOT NULL DEFAULT 0,
    rating          INTEGER,
    rating_comment  TEXT,
    rated_at        INTEGER,
    created_by      INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    closed_at       INTEGER,
    closed_on_time  BOOLEAN,
    version         INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT cases_number_key UNIQUE (number),
    CONSTRAINT cases_tracking_code_key UNIQUE (tracking_code)
);
CREATE INDEX cases_community ON cases (community_code, id);
CREATE INDEX cases_assignee ON cases (assignee_code, state);
CREATE INDEX cases_state ON cases (state, id);
CREATE INDEX cases_created ON cases (created_at);
CREATE INDEX cases_closed ON cases (closed_at);
CREATE INDEX cases_due ON cases (due_at);

CREATE TABLE case_parties (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    position   INTEGER NOT NULL,
    role       TEXT NOT NULL,
    name       TEXT NOT NULL,
    phone      TEXT,
    id_number  TEXT
);
CREATE INDEX case_parties_case ON case_parties (case_id);
CREATE INDEX case_parties_name ON case_parties (name);
CREATE INDEX case_parties_phone ON case_parties (phone);

CREATE TABLE case_nodes (
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    node_code  TEXT NOT NULL,
    PRIMARY KEY (case_id, node_code)
);
CREATE INDEX case_nodes_node ON case_nodes (node_code, case_id);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    at          INTEGER NOT NULL,
    actor_id    INTEGER,
    actor       TEXT NOT NULL,
    role        TEXT,
    source      TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    payload     TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
