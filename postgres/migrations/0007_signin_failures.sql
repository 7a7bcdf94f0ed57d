-- Failed sign-ins, one row per client address with its counts
-- (liveblog.SignInFailures): a flood of guesses from one address rises a
-- counter and adds no row. They replace the audit log's line per failure.
-- The table mirrors sqlite/migrations/0007_signin_failures.sql.

CREATE TABLE signin_failures (
	address    text        PRIMARY KEY,
	failures   bigint      NOT NULL,
	throttled  bigint      NOT NULL,
	last_email text        NOT NULL,
	first_at   timestamptz NOT NULL,
	last_at    timestamptz NOT NULL
);

-- The audit page lists the latest; quiet addresses are dropped by age.
CREATE INDEX signin_failures_last ON signin_failures (last_at);
