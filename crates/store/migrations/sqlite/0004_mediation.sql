-- Mediation sessions (调解记录): when, where, who mediated, who attended, what was said.

CREATE TABLE mediation_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    held_at     INTEGER NOT NULL,
    place       TEXT NOT NULL,
    mediator    TEXT NOT NULL,
    attendees   TEXT NOT NULL,
    notes       TEXT NOT NULL,
    created_by  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX mediation_sessions_case ON mediation_sessions (case_id, held_at);
