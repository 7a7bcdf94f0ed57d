-- Times are integer microseconds since the Unix epoch (UTC), NULL for "not
-- yet"; JSON columns hold the domain types as encoding/json writes them.

CREATE TABLE events (
	id                  INTEGER PRIMARY KEY,
	slug                TEXT    NOT NULL UNIQUE,
	title               TEXT    NOT NULL,
	description         TEXT    NOT NULL DEFAULT '',
	state               TEXT    NOT NULL CHECK (state IN ('scheduled', 'live', 'paused', 'ended')),
	time_zone           TEXT    NOT NULL,
	summary             TEXT    NOT NULL DEFAULT 'null', -- JSON array of key points
	summary_updated_at  INTEGER,
	coverage_started_at INTEGER,
	coverage_ended_at   INTEGER,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL,
	version             INTEGER NOT NULL,
	-- head is the seq of the event's latest change; bumping it inside the
	-- writing transaction is what keeps the feed gapless. floor is the seq of
	-- the newest change trimmed away.
	head                INTEGER NOT NULL DEFAULT 0,
	floor               INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE posts (
	id              INTEGER PRIMARY KEY,
	event_id        INTEGER NOT NULL REFERENCES events (id),
	headline        TEXT    NOT NULL DEFAULT '',
	blocks          TEXT    NOT NULL, -- JSON
	contributors    TEXT    NOT NULL, -- JSON
	breaking        INTEGER NOT NULL DEFAULT 0,
	key_event       INTEGER NOT NULL DEFAULT 0,
	pinned          INTEGER NOT NULL DEFAULT 0,
	status          TEXT    NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'deleted')),
	scheduled_at    INTEGER,
	published_at    INTEGER,
	edited_at       INTEGER,
	correction_note TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	version         INTEGER NOT NULL,
	author_id       INTEGER,
	-- sort_at places a post in its event's listings: published posts by the
	-- time readers see, drafts (which have none) by when they were started.
	sort_at         INTEGER NOT NULL GENERATED ALWAYS AS (coalesce(published_at, created_at)) VIRTUAL,
	CHECK (pinned = 0 OR status = 'published')
) STRICT;

-- Reader pages, feeds and cursors walk the published posts of an event newest
-- first (status = 'published'); the desk walks its drafts, scheduled and
-- deleted posts the same way.
CREATE INDEX posts_listing ON posts (event_id, status, sort_at DESC, id DESC);
-- Key events are a few posts among many: their own index keeps a key-events
-- page from stepping over all the others. key_event is a column here, though
-- always 1, because SQLite's planner prefers the index with more equality
-- terms and would otherwise walk posts_listing.
CREATE INDEX posts_key_events ON posts (event_id, key_event, sort_at DESC, id DESC) WHERE status = 'published' AND key_event = 1;
-- The scheduler's due posts.
CREATE INDEX posts_scheduled ON posts (scheduled_at) WHERE status = 'scheduled';
-- An event has at most one pinned post; the store unpins the previous one in
-- the same transaction, and this index makes any slip an error, not a page
-- with two.
CREATE UNIQUE INDEX posts_pinned ON posts (event_id) WHERE pinned = 1;

CREATE TABLE changes (
	event_id   INTEGER NOT NULL REFERENCES events (id),
	seq        INTEGER NOT NULL,
	kind       TEXT    NOT NULL,
	post_id    INTEGER REFERENCES posts (id),
	-- data is the state the change produced (JSON post or event); NULL for a
	-- deletion and for every change of a post once it has been taken down.
	data       TEXT,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (event_id, seq)
) STRICT;

-- A takedown clears the payloads of every earlier change of the post.
CREATE INDEX changes_post ON changes (post_id) WHERE post_id IS NOT NULL;

CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT    NOT NULL,
	hash         TEXT    NOT NULL UNIQUE,
	user_id      INTEGER,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
) STRICT;
