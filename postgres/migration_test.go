package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/liveblog/liveblog"
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
	insert("post", `{"id":12,"event_id":3,"headline":"Said once","version":2}`+"\n")
	insert("event", `{"id":3,"slug":"budget","title":"Budget","version":4,"head":9}`+"\n")

	s := mustOpen(t, dsn)
	for _, want := range []liveblog.IdempotencyRecord{
		{Key: "post", EventID: 3, PostID: 12, Version: 2},
		{Key: "event", EventID: 3, PostID: 0, Version: 4},
	} {
		rec, err := s.FindIdempotencyRecord(ctx, 7, want.Key)
		if err != nil {
			t.Fatalf("%s: %v", want.Key, err)
		}
		if rec.EventID != want.EventID || rec.PostID != want.PostID || rec.Version != want.Version ||
			rec.Method != "POST" || rec.Path != "/p" || rec.Hash != "h" || !rec.CreatedAt.Equal(now) {
			t.Errorf("%s: record = %+v, want event %d, post %d, version %d", want.Key, rec, want.EventID, want.PostID, want.Version)
		}
	}
}
