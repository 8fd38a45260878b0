-- Composite indices (平安指数, 矛调指数): department figures imported per unit per period,
-- versioned (each upload a new version; the latest version of a value wins; history kept),
-- and published report issues (第N期), immutable, their results stored as JSON.

CREATE TABLE index_uploads (
    index_id     TEXT NOT NULL,
    version      INTEGER NOT NULL,
    rows         INTEGER NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    PRIMARY KEY (index_id, version)
);

CREATE TABLE index_values (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    index_id     TEXT NOT NULL,
    version      INTEGER NOT NULL,
    unit_code    TEXT NOT NULL,
    period       TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    value        REAL,
    uploaded_by  TEXT NOT NULL,
    FOREIGN KEY (index_id, version) REFERENCES index_uploads (index_id, version)
);
CREATE INDEX index_values_period ON index_values (index_id, period, version);

CREATE TABLE index_reports (
    index_id      TEXT NOT NULL,
    issue_no      INTEGER NOT NULL,
    period        TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_by  TEXT NOT NULL,
    published_at  INTEGER NOT NULL,
    PRIMARY KEY (index_id, issue_no)
);

CREATE TRIGGER index_reports_immutable BEFORE UPDATE ON index_reports
BEGIN
    SELECT RAISE(ABORT, 'published report issues are immutable');
END;
CREATE TRIGGER index_reports_no_delete BEFORE DELETE ON index_reports
BEGIN
    SELECT RAISE(ABORT, 'published report issues are immutable');
END;

-- Covering indexes for the per-community case aggregates of the platform metrics: each of
-- the four period queries reads its index range only, never the table. The first two
-- replace the plain time indexes of 0002 (same leading column, so they serve those queries).
DROP INDEX cases_created;
DROP INDEX cases_closed;
CREATE INDEX cases_created ON cases (created_at, community_code, kind, category, channel, escalations);
CREATE INDEX cases_closed ON cases (closed_at, community_code, created_at, closed_on_time);
CREATE INDEX cases_ended ON cases (ended_at, community_code, kind, outcome);
CREATE INDEX cases_rated ON cases (rated_at, community_code, rating);
