-- Who is on which event's desk, and which post they have open
-- (liveblog.Presence): one row per user and event, rewritten by each
-- heartbeat; rows older than liveblog.PresenceTimeout are ignored, and
-- dropped by the next heartbeat. The table mirrors
-- sqlite/migrations/0006_presence.sql.

CREATE TABLE presence (
	user_id  bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	event_id bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	post_id  bigint      NOT NULL,
	seen_at  timestamptz NOT NULL,
	PRIMARY KEY (event_id, user_id)
);

CREATE INDEX presence_seen ON presence (seen_at);
