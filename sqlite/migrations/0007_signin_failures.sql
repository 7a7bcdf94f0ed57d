-- Failed sign-ins, one row per client address with its counts
-- (liveblog.SignInFailures): a flood of guesses from one address rises a
-- counter and adds no row. They replace the audit log's line per failure.

CREATE TABLE signin_failures (
	address    TEXT    PRIMARY KEY,
	failures   INTEGER NOT NULL,
	throttled  INTEGER NOT NULL,
	last_email TEXT    NOT NULL,
	first_at   INTEGER NOT NULL,
	last_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The audit page lists the latest; quiet addresses are dropped by age.
CREATE INDEX signin_failures_last ON signin_failures (last_at);
