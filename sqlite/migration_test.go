package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

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
	path := filepath.Join(t.TempDir(), "liveblog.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, err := migration.Read(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`)
	for _, m := range files {
		if m.Version < 8 {
			exec(m.SQL)
			exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, m.Version, m.Name)
		}
	}
	now := liveblog.Now()
	insert := func(key, body string) {
		exec(`INSERT INTO idempotency_keys (token_id, key, method, path, hash, status, header, body, created_at)
			VALUES (7, ?, 'POST', '/p', 'h', 201, '{}', CAST(? AS BLOB), ?)`, key, body, now.UnixMicro())
	}
	for key, body := range livetest.OldIdempotencyResponses {
		insert(key, body)
	}
	insert("unreadable", `not a response`)

	s := mustOpen(t, path)
	livetest.WantConvertedRecords(t, s, now)
	if _, err := s.FindIdempotencyRecord(ctx, 7, "unreadable"); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
		t.Errorf("a record whose response was not a post or an event: %v, want it gone", err)
	}
}
