-- Grids and the building–dwelling–resident registry (以房管人). Personal fields are stored
-- encrypted (`*_enc`), with a keyed hash for exact lookup (`*_hash`) and a masked copy for lists.

CREATE TABLE grids (
    code            TEXT PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES divisions (code),
    name            TEXT NOT NULL,
    geometry        TEXT NOT NULL,
    min_lon         REAL NOT NULL,
    min_lat         REAL NOT NULL,
    max_lon         REAL NOT NULL,
    max_lat         REAL NOT NULL,
    worker          TEXT,
    assistants      TEXT NOT NULL DEFAULT '',
    captains        TEXT NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
);
CREATE INDEX grids_community ON grids (community_code);
CREATE INDEX grids_worker ON grids (worker);

CREATE TABLE buildings (
    code            TEXT PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES divisions (code),
    grid_code       TEXT,
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    lon             REAL,
    lat             REAL,
    floors          INTEGER,
    confirmed_at    INTEGER,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX buildings_community ON buildings (community_code, code);
CREATE INDEX buildings_grid ON buildings (grid_code);

CREATE TABLE dwellings (
    code            TEXT PRIMARY KEY,
    building_code   TEXT NOT NULL REFERENCES buildings (code),
    community_code  TEXT NOT NULL,
    unit            TEXT NOT NULL,
    floor           INTEGER,
    room            TEXT NOT NULL,
    use_type        TEXT NOT NULL,
    area            REAL,
    confirmed_at    INTEGER,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX dwellings_building ON dwellings (building_code);
CREATE INDEX dwellings_community ON dwellings (community_code);

CREATE TABLE residents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code  TEXT NOT NULL,
    grid_code       TEXT,
    name_enc        TEXT NOT NULL,
    name_masked     TEXT NOT NULL,
    id_enc          TEXT NOT NULL,
    id_hash         TEXT NOT NULL UNIQUE,
    id_masked       TEXT NOT NULL,
    phone_enc       TEXT,
    phone_hash      TEXT,
    phone_masked    TEXT,
    sex             TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    ethnicity       TEXT NOT NULL,
    relation        TEXT NOT NULL,
    confirmed_at    INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX residents_community ON residents (community_code, id);
CREATE INDEX residents_phone ON residents (phone_hash);

CREATE TABLE occupancy (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id     INTEGER NOT NULL REFERENCES residents (id),
    dwelling_code   TEXT NOT NULL REFERENCES dwellings (code),
    community_code  TEXT NOT NULL,
    kind            TEXT NOT NULL,
    from_date       TEXT,
    to_date         TEXT,
    UNIQUE (resident_id, dwelling_code, kind)
);
CREATE INDEX occupancy_dwelling ON occupancy (dwelling_code);
CREATE INDEX occupancy_community ON occupancy (community_code);

CREATE TABLE visits (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    grid_code       TEXT NOT NULL REFERENCES grids (code),
    user_id         INTEGER,
    username        TEXT NOT NULL,
    at              INTEGER NOT NULL,
    building_code   TEXT,
    lon             REAL,
    lat             REAL,
    found           TEXT NOT NULL,
    case_id         INTEGER
);
CREATE INDEX visits_grid ON visits (grid_code, at);

ALTER TABLE cases ADD COLUMN grid_code TEXT;
