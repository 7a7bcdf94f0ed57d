-- Syndication partners' subscriptions to an event's change feed. The
-- delivery worker keeps its position here (next_seq, attempt, next_at,
-- lease_until), so publishing writes nothing for webhooks. Workers on
-- several nodes claim a row with FOR UPDATE SKIP LOCKED and a lease.

CREATE TABLE webhooks (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id    bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	url         text        NOT NULL,
	secret      text        NOT NULL,
	active      boolean     NOT NULL DEFAULT true,
	next_seq    bigint      NOT NULL,
	attempt     integer     NOT NULL DEFAULT 0, -- attempts made at next_seq
	next_at     timestamptz NOT NULL DEFAULT '-infinity',
	lease_until timestamptz NOT NULL DEFAULT '-infinity',
	created_at  timestamptz NOT NULL
);

CREATE INDEX webhooks_event ON webhooks (event_id);
CREATE INDEX webhooks_due ON webhooks (next_at) WHERE active;

CREATE TABLE webhook_attempts (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	webhook_id  bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	seq         bigint      NOT NULL,
	attempt     integer     NOT NULL,
	status_code integer     NOT NULL DEFAULT 0,
	latency_us  bigint      NOT NULL,
	error       text        NOT NULL DEFAULT '',
	done        boolean     NOT NULL DEFAULT false,
	created_at  timestamptz NOT NULL
);

CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
