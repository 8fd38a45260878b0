-- Overdue lists within a division read only open cases: an index of those alone, so counting
-- a county's overdue cases skips the closed ones instead of reading past them (the filter's
-- state condition is written exactly as here, so both planners can use it).

DROP INDEX cases_community_open_due;
CREATE INDEX cases_community_open_due ON cases (community_code, due_at, suspended_at)
    WHERE state NOT IN ('closed', 'rejected', 'resolved');
