-- The key points an event had before each replacement
-- (liveblog.SummaryRecord), written in the transaction that replaced them.
-- user_name is kept as it was, like the audit log's. Mirrors
-- sqlite/migrations/0012_summary_history.sql.

CREATE TABLE summary_history (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id    bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	points      jsonb       NOT NULL, -- array of key points
	updated_at  timestamptz NOT NULL,
	replaced_at timestamptz NOT NULL,
	user_id     bigint      NOT NULL,
	user_name   text        NOT NULL
);

-- The desk lists an event's history newest first.
CREATE INDEX summary_history_event ON summary_history (event_id, id);
