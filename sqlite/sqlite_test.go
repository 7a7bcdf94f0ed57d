package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/livetest"
	"github.com/liveblog/liveblog/migration"
)

func TestStore(t *testing.T) {
	livetest.TestStore(t, func(t *testing.T, a liveblog.Announcer) liveblog.Store {
		s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
		s.Announcer = a
		return s
	})
}

func TestImportEvent(t *testing.T) {
	livetest.TestImportEvent(t, func(t *testing.T, a liveblog.Announcer) livetest.Importer {
		s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
		s.Announcer = a
		return s
	})
}

// mustOpen opens a store at path, closed when the test ends.
func mustOpen(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func TestPragmas(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"}
	check := func(t *testing.T, conn interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) {
		t.Helper()
		for name, value := range want {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != value {
				t.Errorf("PRAGMA %s: got %q, want %q", name, got, value)
			}
		}
	}
	t.Run("Writer", func(t *testing.T) { check(t, s.writer) })
	t.Run("Readers", func(t *testing.T) {
		// Hold several read connections at once, so that each is a
		// different connection that was opened with the pragmas.
		var conns []*sql.Conn
		for range readConns {
			c, err := s.reader.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns = append(conns, c)
		}
		for _, c := range conns {
			check(t, c)
			var readOnly int
			if err := c.QueryRowContext(ctx, "PRAGMA query_only").Scan(&readOnly); err != nil || readOnly != 1 {
				t.Errorf("PRAGMA query_only: got %d (%v), want 1", readOnly, err)
			}
		}
	})
}

func TestOpen(t *testing.T) {
	t.Run("Reopen", func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "liveblog.db")
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		e := &liveblog.Event{Slug: "budget", Title: "Budget day"}
		if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			s = mustOpen(t, path)
			got, err := s.FindEventBySlug(ctx, "budget")
			if err != nil {
				t.Fatalf("after reopening: %v", err)
			}
			if got.ID != e.ID || got.Title != e.Title {
				t.Fatalf("after reopening: got %+v, want %+v", got, e)
			}
		}
		files, err := migration.Read(migrations, "migrations")
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(files) {
			t.Fatalf("schema_migrations: got %d rows, want one per migration (%d)", n, len(files))
		}
	})

	t.Run("ErrNewerSchema", func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "liveblog.db")
		s := mustOpen(t, path)
		if _, err := s.writer.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(ctx, path); err == nil {
			s.Close()
			t.Fatal("opened a database whose schema is newer than the build")
		}
	})

	t.Run("ErrPath", func(t *testing.T) {
		for _, path := range []string{"", ":memory:", filepath.Join(t.TempDir(), "what?.db")} {
			if s, err := Open(context.Background(), path); err == nil {
				s.Close()
				t.Errorf("Open(%q): got a store, want an error", path)
			}
		}
	})
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, filepath.Join(dir, "liveblog.db"))
	e := &liveblog.Event{Slug: "budget", Title: "Budget day"}
	if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
		t.Fatal(err)
	}
	p := &liveblog.Post{EventID: e.ID, Headline: "The chancellor rises", Pinned: true}
	if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
		t.Fatal(err)
	}
	_, hash := liveblog.NewTokenSecret()
	if err := s.CreateToken(ctx, liveblog.Write{}, &liveblog.Token{Name: "Importer", Hash: hash}); err != nil {
		t.Fatal(err)
	}

	dest := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	// Later writes are not in the backup.
	if err := s.CreatePost(ctx, liveblog.Write{}, &liveblog.Post{EventID: e.ID, Headline: "After the backup"}); err != nil {
		t.Fatal(err)
	}

	b := mustOpen(t, dest)
	page, err := b.FindPage(ctx, liveblog.PageFilter{Slug: "budget"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Event.Head != 1 || page.Pinned == nil || page.Pinned.ID != p.ID || len(page.Posts) != 0 {
		t.Fatalf("backup page: got head %d, pinned %v, %d posts; want head 1 and the pinned post only", page.Event.Head, page.Pinned, len(page.Posts))
	}
	batch, err := b.FindChanges(ctx, liveblog.ChangeFilter{EventID: e.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Changes) != 1 || batch.Changes[0].Post == nil || batch.Changes[0].Post.Headline != p.Headline {
		t.Fatalf("backup feed: got %+v", batch.Changes)
	}
	if _, err := b.FindTokenByHash(ctx, hash); err != nil {
		t.Fatalf("backup token: %v", err)
	}

	t.Run("ErrExists", func(t *testing.T) {
		if got := liveblog.ErrorCode(s.Backup(ctx, dest)); got != liveblog.ECONFLICT {
			t.Fatalf("backup over an existing file: got %q, want %q", got, liveblog.ECONFLICT)
		}
	})
}

// A reader is served from its snapshot while a write transaction holds the
// only write connection: reader pages never queue behind the desk.
func TestReadDuringWrite(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
	e := &liveblog.Event{Slug: "budget", Title: "Budget day"}
	if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
		t.Fatal(err)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE events SET title = 'Uncommitted' WHERE id = ?`, e.ID); err != nil {
		t.Fatal(err)
	}

	// The deadline bounds a failure; a passing read does not wait for it.
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := s.FindEventByID(rctx, e.ID)
	if err != nil {
		t.Fatalf("read during a write: %v", err)
	}
	if got.Title != "Budget day" {
		t.Fatalf("read during a write: got title %q, want the committed %q", got.Title, "Budget day")
	}
}

// The partial unique index refuses a second pinned post even from a write
// that bypasses the store's unpinning.
func TestOnePinnedPerEvent(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
	e := &liveblog.Event{Slug: "budget", Title: "Budget day"}
	if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
		t.Fatal(err)
	}
	a := &liveblog.Post{EventID: e.ID, Headline: "First", Pinned: true}
	b := &liveblog.Post{EventID: e.ID, Headline: "Second"}
	for _, p := range []*liveblog.Post{a, b} {
		if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.writer.ExecContext(ctx, `UPDATE posts SET pinned = 1 WHERE id = ?`, b.ID)
	if !isUnique(err, "posts.event_id") {
		t.Fatalf("second pinned post: got %v, want a unique constraint error", err)
	}
}

// The hot queries must stay index seeks however long an event grows; a
// schema or query change that turns one into a scan or a sort fails here.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
	e := seed(t, s, "event", 300)
	c := &liveblog.Cursor{PublishedAt: time.Now(), ID: 1}
	seekQuery := func(l liveblog.Listing, older bool, c *liveblog.Cursor) (string, []any) {
		q, args := listingQuery(l, postColumns, older, c)
		return q + ` ORDER BY sort_at DESC, id DESC LIMIT 10`, args
	}
	page := liveblog.Listing{EventID: e.ID, ExcludePinned: true}
	key := liveblog.Listing{EventID: e.ID, ExcludePinned: true, KeyOnly: true}
	drafts := liveblog.Listing{EventID: e.ID, Statuses: []liveblog.PostStatus{liveblog.StatusDraft}}
	for _, tt := range []struct {
		name  string
		query func() (string, []any)
		index string
	}{
		{"Page", func() (string, []any) { return seekQuery(page, true, nil) }, "posts_listing"},
		{"PageBefore", func() (string, []any) { return seekQuery(page, true, c) }, "posts_listing"},
		{"KeyEvents", func() (string, []any) { return seekQuery(key, true, nil) }, "posts_key_events"},
		{"KeyEventsBefore", func() (string, []any) { return seekQuery(key, true, c) }, "posts_key_events"},
		{"Drafts", func() (string, []any) { return seekQuery(drafts, true, nil) }, "posts_listing"},
		{"Rank", func() (string, []any) { return listingQuery(page, `count(*)`, false, c) }, "posts_listing"},
		{"Due", func() (string, []any) {
			return `SELECT id FROM posts WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at, id`, []any{1}
		}, "posts_scheduled"},
		{"Changes", func() (string, []any) {
			return `SELECT data FROM changes WHERE event_id = ? AND seq > ? ORDER BY seq LIMIT 10`, []any{e.ID, 1}
		}, "sqlite_autoindex_changes_1"},
		{"Takedown", func() (string, []any) {
			return `UPDATE changes SET data = NULL WHERE post_id = ? AND event_id = ? AND data IS NOT NULL`, []any{1, e.ID}
		}, "changes_post"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, args := tt.query()
			rows, err := s.writer.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(plan, "; ")
			if !strings.Contains(got, "INDEX "+tt.index+" ") || strings.Contains(got, "TEMP B-TREE") {
				t.Fatalf("plan: got %q, want a seek on %s without a sort", got, tt.index)
			}
		})
	}
}

// Every time a write stamps comes from Store.Now, stored as UTC to the
// microsecond.
func TestNow(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
	at := time.Date(2025, 2, 13, 10, 45, 1, 234567891, time.FixedZone("CET", 3600))
	s.Now = func() time.Time { return at }
	want := at.UTC().Truncate(time.Microsecond)

	e := &liveblog.Event{Slug: "budget", Title: "Budget day", State: liveblog.CoverageLive}
	if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
		t.Fatal(err)
	}
	p := &liveblog.Post{EventID: e.ID, Headline: "The chancellor rises"}
	if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
		t.Fatal(err)
	}
	batch, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: e.ID})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]time.Time{
		"event created":    e.CreatedAt,
		"coverage started": e.CoverageStartedAt,
		"post published":   p.PublishedAt,
		"change created":   batch.Changes[0].CreatedAt,
	} {
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
}

// Two stores on one file stand for two processes (the server and a CLI
// import): BEGIN IMMEDIATE and the busy timeout serialise their writers, and
// the feed stays gapless.
func TestTwoProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "liveblog.db")
	stores := []*Store{mustOpen(t, path), mustOpen(t, path)}
	e := &liveblog.Event{Slug: "budget", Title: "Budget day"}
	if err := stores[0].CreateEvent(ctx, liveblog.Write{}, e); err != nil {
		t.Fatal(err)
	}
	const writers, posts = 8, 20
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range posts {
				p := &liveblog.Post{EventID: e.ID, Headline: fmt.Sprintf("Writer %d, post %d", w, i)}
				if err := stores[w%2].CreatePost(ctx, liveblog.Write{}, p); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	b, err := stores[1].FindChanges(ctx, liveblog.ChangeFilter{EventID: e.ID})
	if err != nil {
		t.Fatal(err)
	}
	if b.Head != writers*posts || len(b.Changes) != writers*posts {
		t.Fatalf("got %d changes, head %d; want %d", len(b.Changes), b.Head, writers*posts)
	}
	for i, c := range b.Changes {
		if c.Seq != int64(i+1) {
			t.Fatalf("change %d has seq %d", i, c.Seq)
		}
	}
}

func TestUserStore(t *testing.T) {
	livetest.TestUserStore(t, func(t *testing.T, now func() time.Time) liveblog.UserStore {
		s := mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
		s.Now = now
		return s
	})
}

func TestSearchStore(t *testing.T) {
	livetest.TestSearchStore(t, func(t *testing.T) livetest.SearchableStore {
		return mustOpen(t, filepath.Join(t.TempDir(), "liveblog.db"))
	})
}
