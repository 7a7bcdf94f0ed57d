-- A search walks its event's posts newest first and stops once it has a
-- page (postgres/search.go), the way FTS5 walks its lists: without this
-- index it took every match from the GIN index and sorted them, 27 ms for
-- a word that half of a 10,000-post event holds.
CREATE INDEX post_search_order ON post_search (event_id, post_id);

-- The headline's words (labelled A). Besides finding a rare word in the
-- headlines, the index makes ANALYZE keep statistics on them, so that the
-- planner knows how many posts a search's headline matches will pass over
-- on its walk and takes the GIN index when they are few.
CREATE INDEX post_search_headline ON post_search USING gin (ts_filter(doc, '{a}'));
