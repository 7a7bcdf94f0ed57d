-- An idempotency record names what the write produced (a post, or an event,
-- by id and version) instead of keeping a copy of the response: a retry is
-- answered from the stored post or event, by the code that answered the
-- first request, and a post taken down leaves no copy of its text here.
-- Records made before are converted from the responses they kept, so a
-- retry across the upgrade still finds its write; the table mirrors
-- postgres/migrations/0008_idempotency_result.sql.

CREATE TABLE idempotency_records (
	token_id   INTEGER NOT NULL,
	key        TEXT    NOT NULL,
	method     TEXT    NOT NULL,
	path       TEXT    NOT NULL,
	hash       TEXT    NOT NULL, -- SHA-256 of method, path, If-Match and body
	event_id   INTEGER NOT NULL,
	post_id    INTEGER NOT NULL, -- 0 for a write of the event itself
	version    INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (token_id, key)
) STRICT;

-- A post's JSON names its event; an event's does not.
INSERT INTO idempotency_records (token_id, key, method, path, hash, event_id, post_id, version, created_at)
	SELECT token_id, key, method, path, hash,
		coalesce(json_extract(body, '$.event_id'), json_extract(body, '$.id')),
		CASE WHEN json_extract(body, '$.event_id') IS NULL THEN 0 ELSE json_extract(body, '$.id') END,
		json_extract(body, '$.version'), created_at
	FROM (SELECT token_id, key, method, path, hash, CAST(body AS TEXT) AS body, created_at FROM idempotency_keys)
	WHERE json_valid(body) AND json_extract(body, '$.id') IS NOT NULL AND json_extract(body, '$.version') IS NOT NULL;

DROP TABLE idempotency_keys;
ALTER TABLE idempotency_records RENAME TO idempotency_keys;

-- Expired keys are deleted by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
