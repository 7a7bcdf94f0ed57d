-- An idempotency record names what the write produced (a post, or an event,
-- by id and version) instead of keeping a copy of the response: a retry is
-- answered from the stored post or event, by the code that answered the
-- first request, and a post taken down leaves no copy of its text here.
-- Records made before are converted from the responses they kept, so a
-- retry across the upgrade still finds its write; the table mirrors
-- sqlite/migrations/0008_idempotency_result.sql.

ALTER TABLE idempotency_keys
	ADD COLUMN event_id bigint,
	ADD COLUMN post_id  bigint, -- 0 for a write of the event itself
	ADD COLUMN version  integer;

-- A post's JSON names its event; an event's does not. Every stored body is
-- the JSON of a post or an event, as the API answered.
UPDATE idempotency_keys SET
	event_id = coalesce((doc ->> 'event_id')::bigint, (doc ->> 'id')::bigint),
	post_id  = CASE WHEN doc ? 'event_id' THEN (doc ->> 'id')::bigint ELSE 0 END,
	version  = (doc ->> 'version')::integer
FROM (SELECT token_id AS t, key AS k, convert_from(body, 'UTF8')::jsonb AS doc FROM idempotency_keys) AS bodies
WHERE token_id = bodies.t AND key = bodies.k;

DELETE FROM idempotency_keys WHERE event_id IS NULL OR post_id IS NULL OR version IS NULL;

ALTER TABLE idempotency_keys
	DROP COLUMN status,
	DROP COLUMN header,
	DROP COLUMN body,
	ALTER COLUMN event_id SET NOT NULL,
	ALTER COLUMN post_id SET NOT NULL,
	ALTER COLUMN version SET NOT NULL;
