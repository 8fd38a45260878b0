-- Attachments of a case: the file lives on disk under the data directory; this row says
-- what it is, who added it and its SHA-256.

CREATE TABLE case_attachments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    stored_name   TEXT NOT NULL,
    uploaded_by   INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, id);
