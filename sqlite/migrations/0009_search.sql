-- The search index (liveblog.SearchDoc): one row per post not taken down,
-- under the post's id, written in the transaction that writes the post.
-- The domain gives each column's words already found and lower-cased,
-- joined by spaces, so the ascii tokenizer only splits them where the
-- domain did; postgres/migrations/0012_search.sql indexes the same words.
-- tags holds "e<event id> <status>", so that a search of one event, or of
-- published posts, intersects the index's lists instead of filtering every
-- match. The prefix indexes answer minist* without walking the vocabulary.
CREATE VIRTUAL TABLE post_search USING fts5(headline, body, tags, tokenize = 'ascii', prefix = '2 3');

-- Posts written before the index existed are indexed once, in batches, by
-- the first process that opens the database (liveblog.Service.BackfillSearch):
-- a row here says that the posts after post_id are still to be indexed.
CREATE TABLE search_backfill (
	post_id INTEGER NOT NULL
) STRICT;
INSERT INTO search_backfill (post_id) VALUES (0);
