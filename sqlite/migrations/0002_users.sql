-- Newsroom accounts, their browser sessions, and the record of sign-in
-- attempts that throttles password guessing across nodes.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	-- email is stored normalised (trimmed, lowercase), so UNIQUE is
	-- case-insensitive in effect.
	email         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	role          TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'reporter')),
	byline        TEXT    NOT NULL, -- JSON contributor: name, role, avatar
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	version       INTEGER NOT NULL
) STRICT;

-- A session is found by the SHA-256 of the secret in its cookie; the secret
-- itself is never stored.
CREATE TABLE sessions (
	hash         TEXT    PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id),
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Disabling a user or changing a password ends the user's sessions.
CREATE INDEX sessions_user ON sessions (user_id);
-- Expired sessions are dropped whenever a new one is created.
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_seen ON sessions (last_seen_at);

-- One row per key (an account, a client address) per attempt; an attempt
-- that succeeds is deleted again, so what remains are the failures.
CREATE TABLE login_attempts (
	attempt TEXT    NOT NULL,
	key     TEXT    NOT NULL,
	at      INTEGER NOT NULL
) STRICT;

CREATE INDEX login_attempts_key ON login_attempts (key, at);
CREATE INDEX login_attempts_at ON login_attempts (at);
CREATE INDEX login_attempts_attempt ON login_attempts (attempt);
