-- Syndication partners' subscriptions to an event's change feed. The
-- delivery worker keeps its position here (next_seq, attempt, next_at,
-- lease_until), so publishing writes nothing for webhooks; times are
-- integer microseconds since the Unix epoch, 0 for "now".

CREATE TABLE webhooks (
	id          INTEGER PRIMARY KEY,
	event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	url         TEXT    NOT NULL,
	secret      TEXT    NOT NULL,
	active      INTEGER NOT NULL DEFAULT 1,
	next_seq    INTEGER NOT NULL,
	attempt     INTEGER NOT NULL DEFAULT 0, -- attempts made at next_seq
	next_at     INTEGER NOT NULL DEFAULT 0,
	lease_until INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX webhooks_event ON webhooks (event_id);
CREATE INDEX webhooks_due ON webhooks (next_at) WHERE active;

CREATE TABLE webhook_attempts (
	id          INTEGER PRIMARY KEY,
	webhook_id  INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	attempt     INTEGER NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	latency_us  INTEGER NOT NULL,
	error       TEXT    NOT NULL DEFAULT '',
	done        INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
