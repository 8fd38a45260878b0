-- In-app notifications for a node (everyone at the node sees them), and the record of which
-- deadline notices were sent for which due time, so a restart never sends one twice.

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    node_code   TEXT NOT NULL,
    case_id     INTEGER REFERENCES cases (id),
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX notifications_node ON notifications (node_code, id);

CREATE TABLE deadline_notices (
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    kind     TEXT NOT NULL,
    due_at   INTEGER NOT NULL,
    sent_at  INTEGER NOT NULL,
    PRIMARY KEY (case_id, kind, due_at)
);
