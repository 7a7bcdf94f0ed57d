-- Writes made through the API with an Idempotency-Key: the request's
-- identity and the response it got, stored in the write's own transaction
-- and replayed to a retry for a day (liveblog.IdempotencyTTL).

CREATE TABLE idempotency_keys (
	-- The key is the client's, so it is unique per token only.
	token_id   INTEGER NOT NULL,
	key        TEXT    NOT NULL,
	method     TEXT    NOT NULL,
	path       TEXT    NOT NULL,
	hash       TEXT    NOT NULL, -- SHA-256 of method, path, If-Match and body
	status     INTEGER NOT NULL,
	header     TEXT    NOT NULL, -- JSON object: Content-Type, ETag, Location
	body       BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (token_id, key)
) STRICT;

-- Expired keys are deleted by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
