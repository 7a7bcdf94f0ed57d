-- The key points an event had before each replacement
-- (liveblog.SummaryRecord), written in the transaction that replaced them.
-- user_name is kept as it was, like the audit log's. Mirrors
-- postgres/migrations/0012_summary_history.sql.

CREATE TABLE summary_history (
	id          INTEGER PRIMARY KEY,
	event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	points      TEXT    NOT NULL, -- JSON array of key points
	updated_at  INTEGER NOT NULL,
	replaced_at INTEGER NOT NULL,
	user_id     INTEGER NOT NULL,
	user_name   TEXT    NOT NULL
) STRICT;

-- The desk lists an event's history newest first.
CREATE INDEX summary_history_event ON summary_history (event_id, id);
