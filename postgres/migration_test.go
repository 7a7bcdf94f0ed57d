package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/livetest"
	"github.com/liveblog/liveblog/migration"
)

// TestMigrateIdempotencyRecords upgrades a database whose idempotency
// records kept the responses they gave (before migration 8): each record
// then names the post or event of its response, so that a retry sent
// across the upgrade still finds its write.
func TestMigrateIdempotencyRecords(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	files, err := migration.Read(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`)
	for _, m := range files {
		if m.Version < 8 {
			exec(m.SQL)
			exec(`INSERT INTO schema_migrations VALUES ($1, $2, now())`, m.Version, m.Name)
		}
	}
	now := liveblog.Now()
	insert := func(key, body string) {
		exec(`INSERT INTO idempotency_keys (token_id, key, method, path, hash, status, header, body, created_at)
			VALUES (7, $1, 'POST', '/p', 'h', 201, '{}', $2, $3)`, key, []byte(body), now)
	}
	for key, body := range livetest.OldIdempotencyResponses {
		insert(key, body)
	}
	livetest.WantConvertedRecords(t, mustOpen(t, dsn), now)
}
