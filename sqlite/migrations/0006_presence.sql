-- Who is on which event's desk, and which post they have open
-- (liveblog.Presence): one row per user and event, rewritten by each
-- heartbeat; rows older than liveblog.PresenceTimeout are ignored, and
-- dropped by the next heartbeat.

CREATE TABLE presence (
	user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	post_id  INTEGER NOT NULL,
	seen_at  INTEGER NOT NULL,
	PRIMARY KEY (event_id, user_id)
) STRICT;

CREATE INDEX presence_seen ON presence (seen_at);
