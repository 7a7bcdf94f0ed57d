-- The search index (liveblog.SearchDoc): one row per post not taken down,
-- written in the transaction that writes the post. The domain gives the
-- headline's and the body's words already found and lower-cased, joined by
-- spaces; the 'simple' configuration keeps them as they are, with no stop
-- words and no stemming, as sqlite/migrations/0012_search.sql does. The
-- headline's words are labelled A and the body's B, so that a search can
-- tell the posts whose headline matches (liveblog.Service.Search).
CREATE TABLE post_search (
	post_id  bigint   PRIMARY KEY REFERENCES posts (id),
	event_id bigint   NOT NULL,
	status   text     NOT NULL,
	doc      tsvector NOT NULL
);

CREATE INDEX post_search_doc ON post_search USING gin (doc);
-- A search of one event intersects this with the words' lists (BitmapAnd),
-- so it reads only that event's matches.
CREATE INDEX post_search_event ON post_search (event_id, status);

-- Posts written before the index existed are indexed once, in batches, by
-- the first node that opens the database (liveblog.Service.BackfillSearch):
-- a row here says that the posts after post_id are still to be indexed.
CREATE TABLE search_backfill (
	post_id bigint NOT NULL
);
INSERT INTO search_backfill (post_id) VALUES (0);
