-- Indexes for the filtered case lists a user opens (state, category, overdue) within a
-- division's range of community codes.

CREATE INDEX cases_state_community ON cases (state, community_code, id);
CREATE INDEX cases_category_community ON cases (category, community_code, id);
CREATE INDEX cases_community_due ON cases (community_code, due_at, state);
