-- The case list counts its matches on an index holding every filter column it uses: channel
-- and kind beside the state and category ones of 0005, each with the community range.
CREATE INDEX cases_channel_community ON cases (channel, community_code, id);
CREATE INDEX cases_kind_community ON cases (kind, community_code, id);
