-- Overdue lists within a division: everything the filter reads is in the index, so counting
-- a county's overdue cases never touches the table.

CREATE INDEX cases_community_open_due ON cases (community_code, state, due_at, suspended_at);
