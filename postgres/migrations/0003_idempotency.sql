-- Writes made through the API with an Idempotency-Key: the request's
-- identity and the response it got, stored in the write's own transaction
-- and replayed to a retry for a day (liveblog.IdempotencyTTL). The table
-- mirrors sqlite/migrations/0003_idempotency.sql.

CREATE TABLE idempotency_keys (
	-- The key is the client's, so it is unique per token only. The primary
	-- key is also what makes a second node's concurrent write with the same
	-- key wait for the first and then fail, rolling its mutation back.
	token_id   bigint      NOT NULL,
	key        text        NOT NULL,
	method     text        NOT NULL,
	path       text        NOT NULL,
	hash       text        NOT NULL, -- SHA-256 of method, path, If-Match and body
	status     integer     NOT NULL,
	header     jsonb       NOT NULL, -- Content-Type, ETag, Location
	body       bytea       NOT NULL,
	created_at timestamptz NOT NULL,
	CONSTRAINT idempotency_keys_pkey PRIMARY KEY (token_id, key)
);

-- Expired keys are deleted by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
