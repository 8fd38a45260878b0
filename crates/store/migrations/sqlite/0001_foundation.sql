-- Foundation: divisions, work areas, departments and bodies, users, sessions, audit log.
-- Times are UTC epoch milliseconds (INTEGER); codes are ASCII text.

CREATE TABLE divisions (
    code            TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    level           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    parent_code     TEXT REFERENCES divisions (code),
    edition         INTEGER NOT NULL,
    work_area_code  TEXT REFERENCES work_areas (code),
    updated_at      INTEGER NOT NULL
);
CREATE INDEX divisions_parent ON divisions (parent_code, code);
CREATE INDEX divisions_level ON divisions (level, code);
CREATE INDEX divisions_work_area ON divisions (work_area_code);

CREATE TABLE work_areas (
    code           TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    township_code  TEXT NOT NULL REFERENCES divisions (code),
    updated_at     INTEGER NOT NULL
);
CREATE INDEX work_areas_township ON work_areas (township_code);

CREATE TABLE org_units (
    code           TEXT PRIMARY KEY NOT NULL,
    unit_type      TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    sector         TEXT,
    division_code  TEXT NOT NULL REFERENCES divisions (code),
    level          TEXT NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX org_units_division ON org_units (division_code, code);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    node_code      TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);
CREATE INDEX users_node ON users (node_code);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL,
    csrf_token    TEXT NOT NULL,
    source        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Append-only, hash-chained: seq is gap-free and each hash covers the previous one.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY NOT NULL,
    at         INTEGER NOT NULL,
    actor_id   INTEGER,
    actor      TEXT NOT NULL,
    role       TEXT,
    node       TEXT,
    source     TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_node ON audit_log (node, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
