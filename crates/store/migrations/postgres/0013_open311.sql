-- Open311 GeoReport v2 (docs/open311.md): one row per case posted through Open311, written in
-- the intake transaction. The token is what a client may resolve to the case number; it is
-- not the resident's tracking code, which stays the resident's secret.

CREATE TABLE open311_requests (
    case_id     BIGINT PRIMARY KEY REFERENCES cases (id),
    token       TEXT NOT NULL UNIQUE,
    api_key_id  BIGINT NOT NULL REFERENCES api_keys (id),
    media_url   TEXT,
    created_at  BIGINT NOT NULL
);

-- servicerequestupdates reads the timeline by time.
CREATE INDEX case_events_at ON case_events (at, id);
