package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/livetest"
	"github.com/liveblog/liveblog/migration"
)

// defaultURL is the server the tests use when LIVEBLOG_POSTGRES_URL is not
// set: the local one that .ci/run makes sure is up.
const defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// server is the database this run of the tests works in. It is created on
// first use, named at random so that runs on one server never meet, and
// dropped when the tests end. Each store a test opens gets a schema of its
// own in it: a schema costs a few milliseconds where a database costs a copy
// of the template.
var server struct {
	once    sync.Once
	admin   string // the DSN given, of the database the test database is created from
	name    string
	url     string
	pool    *pgxpool.Pool // on the test database, to create schemas
	schemas atomic.Int64
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := dropDatabase(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// database returns the DSN of this run's test database, skipping the test
// when PostgreSQL does not answer, or failing it on CI, where the server is
// part of the environment.
func database(tb testing.TB) string {
	tb.Helper()
	server.once.Do(createDatabase)
	if server.err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL: %v", server.err)
		}
		tb.Skipf("PostgreSQL: %v; start PostgreSQL, or set LIVEBLOG_POSTGRES_URL to a server where this user may create databases, to run these tests", server.err)
	}
	return server.url
}

func createDatabase() {
	server.admin = os.Getenv("LIVEBLOG_POSTGRES_URL")
	if server.admin == "" {
		server.admin = defaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server.admin)
	if err != nil {
		server.err = err
		return
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("liveblog_test_%016x", rand.Uint64())
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		server.err = err
		return
	}
	server.name = name
	server.url = withSettings(server.admin, "dbname", name)
	if server.pool, err = pgxpool.New(ctx, server.url); err != nil {
		server.err = err
	}
}

func dropDatabase() error {
	if server.name == "" {
		return nil
	}
	if server.pool != nil {
		server.pool.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server.admin)
	if err != nil {
		return fmt.Errorf("drop test database %s: %w", server.name, err)
	}
	defer conn.Close(ctx)
	// FORCE ends the sessions of a store a failed test left open.
	if _, err := conn.Exec(ctx, `DROP DATABASE `+server.name+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop test database %s: %w", server.name, err)
	}
	return nil
}

// withSettings returns dsn with settings (name, value, ...) added or
// replaced, in either of the two forms a DSN takes.
func withSettings(dsn string, settings ...string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		for i := 0; i+1 < len(settings); i += 2 {
			if settings[i] == "dbname" {
				u.Path = "/" + settings[i+1]
				q.Del("dbname")
				continue
			}
			q.Set(settings[i], settings[i+1])
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	// In key=value form a later setting overrides an earlier one.
	for i := 0; i+1 < len(settings); i += 2 {
		dsn += " " + settings[i] + "=" + settings[i+1]
	}
	return dsn
}

// freshSchema creates an empty schema in the test database and returns a DSN
// whose connections work in it, as if it were a database of its own.
func freshSchema(tb testing.TB) string {
	tb.Helper()
	database(tb)
	name := fmt.Sprintf("s%d", server.schemas.Add(1))
	if _, err := server.pool.Exec(context.Background(), `CREATE SCHEMA `+name); err != nil {
		tb.Fatal(err)
	}
	return withSettings(server.url, "search_path", name)
}

// mustOpen opens a store on dsn, closed when the test ends.
func mustOpen(tb testing.TB, dsn string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), dsn)
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

func TestStore(t *testing.T) {
	database(t) // skip or fail once, not in every case of the suite
	livetest.TestStore(t, func(t *testing.T, a liveblog.Announcer) liveblog.Store {
		s := mustOpen(t, freshSchema(t))
		s.Announcer = a
		return s
	})
}

func TestSearchStore(t *testing.T) {
	database(t)
	livetest.TestSearchStore(t, func(t *testing.T) livetest.SearchableStore {
		return mustOpen(t, freshSchema(t))
	})
}

func TestImportEvent(t *testing.T) {
	database(t)
	livetest.TestImportEvent(t, func(t *testing.T, a liveblog.Announcer) livetest.Importer {
		s := mustOpen(t, freshSchema(t))
		s.Announcer = a
		return s
	})
}

func TestOpen(t *testing.T) {
	database(t)
	ctx := context.Background()

	t.Run("Reopen", func(t *testing.T) {
		dsn := freshSchema(t)
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		e := &liveblog.Event{Slug: "budget", Title: "Budget day"}
		if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
			t.Fatal(err)
		}
		s.Close()
		for range 2 {
			s = mustOpen(t, dsn)
			got, err := s.FindEventBySlug(ctx, "budget")
			if err != nil {
				t.Fatalf("after reopening: %v", err)
			}
			if got.ID != e.ID || got.Title != e.Title {
				t.Fatalf("after reopening: got %+v, want %+v", got, e)
			}
		}
		wantMigrations(t, s)
	})

	// Nodes starting at the same moment on an empty database: the advisory
	// lock makes one of them migrate and the others find the work done.
	t.Run("Concurrent", func(t *testing.T) {
		dsn := freshSchema(t)
		const nodes = 6
		stores := make([]*Store, nodes)
		errs := make([]error, nodes)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range nodes {
			wg.Go(func() {
				<-start
				stores[i], errs[i] = Open(ctx, dsn)
			})
		}
		close(start)
		wg.Wait()
		for i, s := range stores {
			if s != nil {
				t.Cleanup(func() { s.Close() })
			}
			if errs[i] != nil {
				t.Errorf("node %d: %v", i, errs[i])
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		wantMigrations(t, stores[0])
	})

	t.Run("ErrNewerSchema", func(t *testing.T) {
		dsn := freshSchema(t)
		s := mustOpen(t, dsn)
		if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', now())`); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(ctx, dsn); err == nil {
			s.Close()
			t.Fatal("opened a database whose schema is newer than the build")
		}
	})

	t.Run("ErrUnreachable", func(t *testing.T) {
		// Nothing listens on port 1 of the loopback: the connection is
		// refused at once.
		if s, err := Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5"); err == nil {
			s.Close()
			t.Fatal("opened a store on a port where no server listens")
		}
	})

	t.Run("ErrDSN", func(t *testing.T) {
		const secret = "hunter2"
		_, err := Open(ctx, "postgres://user:"+secret+"@127.0.0.1:5432/db?sslmode=nonsense")
		if err == nil {
			t.Fatal("opened a store with a malformed DSN")
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("the error shows the password: %v", err)
		}
	})
}

// wantMigrations checks that each embedded migration is recorded once.
func wantMigrations(t *testing.T, s *Store) {
	t.Helper()
	files, err := migration.Read(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.pool.Query(context.Background(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range files {
		want = append(want, m.Version)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("schema_migrations: got versions %v, want %v", got, want)
	}
}

// TestNodes runs the writers of one event on several nodes, each a store
// with its own pool as a server of its own would have, and checks the feed
// they produce together.
func TestNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node test; run without -short")
	}
	ctx := context.Background()
	const nodes = 4
	dsn := freshSchema(t)
	heard := &heads{}
	stores := make([]*Store, nodes)
	for i := range stores {
		stores[i] = mustOpen(t, withSettings(dsn, "pool_max_conns", "4"))
		stores[i].Announcer = heard
	}
	s := stores[0]

	t.Run("Gapless", func(t *testing.T) {
		e := &liveblog.Event{Slug: "summit", Title: "Summit"}
		if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
			t.Fatal(err)
		}
		const writers, ops = 8, 24
		var wg sync.WaitGroup
		var errs []error
		var mu sync.Mutex
		var writes atomic.Int64
		start := make(chan struct{})
		for n, node := range stores {
			for w := range writers {
				wg.Go(func() {
					<-start
					if err := write(ctx, node, e.ID, fmt.Sprintf("node %d, writer %d", n, w), ops, &writes); err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				})
			}
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}

		changes := feed(t, s, e.ID)
		n := int64(len(changes))
		for i, c := range changes {
			if c.Seq != int64(i+1) {
				t.Fatalf("change %d has seq %d, want %d", i, c.Seq, i+1)
			}
		}
		if b, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: e.ID, After: n}); err != nil || b.Head != n {
			t.Fatalf("head: got %v (%v), want %d", b, err, n)
		}
		published := 0
		for _, c := range changes {
			if c.Kind == liveblog.ChangePostPublished {
				published++
			}
		}
		if want := nodes * writers * ops / 4; published != want {
			t.Fatalf("got %d post.published changes, want %d", published, want)
		}
		// Every write appended to the feed and announced its own final head,
		// on whichever node made it.
		got := heard.of(e.ID)
		if int64(len(got)) != writes.Load() {
			t.Fatalf("got %d announcements, want one per write (%d)", len(got), writes.Load())
		}
		slices.Sort(got)
		if len(slices.Compact(got)) != len(got) || got[len(got)-1] != n {
			t.Fatalf("announced heads: some twice, or the last is not the head %d", n)
		}
		page, err := s.FindPage(ctx, liveblog.PageFilter{Slug: e.Slug})
		if err != nil {
			t.Fatal(err)
		}
		if page.Pinned == nil || page.Event.Head != n {
			t.Fatalf("page after the writers: pinned %v, head %d; want a pinned post at head %d", page.Pinned, page.Event.Head, n)
		}
	})

	t.Run("PublishDuePosts", func(t *testing.T) {
		now := time.Now().UTC().Truncate(time.Microsecond)
		var events []*liveblog.Event
		for i := range 3 {
			e := &liveblog.Event{Slug: fmt.Sprintf("scheduled-%d", i), Title: "Scheduled"}
			if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
				t.Fatal(err)
			}
			events = append(events, e)
		}
		due := map[int64]bool{}
		for i := range 60 {
			p := &liveblog.Post{EventID: events[i%3].ID, Headline: fmt.Sprintf("Scheduled %d", i),
				Status: liveblog.StatusScheduled, ScheduledAt: now.Add(time.Duration(i-45) * time.Second)}
			if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
				t.Fatal(err)
			}
			if !p.ScheduledAt.After(now) {
				due[p.ID] = true
			}
		}

		// Each node's scheduler runs twice at the same moment, while the
		// desk edits the due posts: an edit may land before the scheduler
		// (then the post is published with it), after (then it edits the
		// published post), or lose the race on the version.
		const callers = 2
		var wg sync.WaitGroup
		results := make([][]*liveblog.Post, nodes*callers)
		errs := make([]error, nodes*callers+nodes)
		start := make(chan struct{})
		for n, node := range stores {
			for c := range callers {
				wg.Go(func() {
					<-start
					results[n*callers+c], errs[n*callers+c] = node.PublishDuePosts(ctx, now)
				})
			}
			wg.Go(func() {
				<-start
				for id := range due {
					if int(id)%nodes != n {
						continue
					}
					p, err := node.FindPostByID(ctx, id)
					if err == nil {
						_, err = node.ChangePost(ctx, liveblog.Write{}, id, &liveblog.PostUpdate{Headline: ptr("Edited: " + p.Headline), Version: p.Version})
					}
					var ce *liveblog.ConflictError
					if err != nil && !errors.As(err, &ce) {
						errs[nodes*callers+n] = fmt.Errorf("desk on node %d, post %d: %w", n, id, err)
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}

		got := map[int64]int{}
		for _, r := range results {
			for _, p := range r {
				got[p.ID]++
			}
		}
		for id := range due {
			if got[id] != 1 {
				t.Errorf("post %d was published %d times, want once", id, got[id])
			}
		}
		if len(got) != len(due) {
			t.Errorf("published %d posts, want the %d due", len(got), len(due))
		}
		for _, e := range events {
			published := map[int64]bool{}
			for _, c := range feed(t, s, e.ID) {
				if c.Kind != liveblog.ChangePostPublished {
					continue
				}
				if published[c.PostID] || !due[c.PostID] {
					t.Errorf("event %d: post.published %d twice or before it was due", e.ID, c.PostID)
				}
				published[c.PostID] = true
			}
		}
	})
}

// write is one of many writers on one event: in turn it publishes a post,
// edits it, pins it and replaces the summary, retrying an edit that lost a
// race with another writer. It counts the writes that succeeded.
func write(ctx context.Context, s *Store, eventID int64, who string, ops int, writes *atomic.Int64) error {
	var id int64
	for i := range ops {
		var err error
		switch i % 4 {
		case 0:
			p := &liveblog.Post{EventID: eventID, Headline: fmt.Sprintf("%s, post %d", who, i)}
			err = s.CreatePost(ctx, liveblog.Write{}, p)
			id = p.ID
		case 1:
			err = retry(func() error {
				p, err := s.FindPostByID(ctx, id)
				if err != nil {
					return err
				}
				_, err = s.ChangePost(ctx, liveblog.Write{}, id, &liveblog.PostUpdate{Headline: ptr(fmt.Sprintf("%s, edit %d", who, i)), Version: p.Version})
				return err
			})
		case 2:
			err = retry(func() error {
				p, err := s.FindPostByID(ctx, id)
				if err != nil {
					return err
				}
				_, err = s.ChangePost(ctx, liveblog.Write{}, id, liveblog.PinPost{Pinned: true, Version: p.Version})
				return err
			})
		case 3:
			err = retry(func() error {
				e, err := s.FindEventByID(ctx, eventID)
				if err != nil {
					return err
				}
				_, err = s.ChangeEvent(ctx, liveblog.Write{}, eventID, liveblog.ReplaceSummary{Points: []string{fmt.Sprintf("%s, point %d", who, i)}, Version: e.Version})
				return err
			})
		}
		if err != nil {
			return fmt.Errorf("%s, op %d: %w", who, i, err)
		}
		writes.Add(1)
	}
	return nil
}

// retry runs fn until it does not report a stale version, a bounded number
// of times so that a store that always conflicts fails instead of hanging.
func retry(fn func() error) error {
	for range 1000 {
		err := fn()
		var ce *liveblog.ConflictError
		if !errors.As(err, &ce) {
			return err
		}
	}
	return errors.New("still conflicting after 1000 attempts")
}

// feed reads an event's whole feed.
func feed(t *testing.T, s *Store, eventID int64) []*liveblog.Change {
	t.Helper()
	var changes []*liveblog.Change
	var after int64
	for {
		b, err := s.FindChanges(context.Background(), liveblog.ChangeFilter{EventID: eventID, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Changes) == 0 {
			return changes
		}
		changes = append(changes, b.Changes...)
		after = b.Changes[len(b.Changes)-1].Seq
	}
}

// heads records the heads announced by every node.
type heads struct {
	mu   sync.Mutex
	list []liveblog.Announcement
}

func (h *heads) Announce(_ context.Context, eventID, head int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.list = append(h.list, liveblog.Announcement{EventID: eventID, Head: head})
}

func (h *heads) of(eventID int64) []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	var heads []int64
	for _, a := range h.list {
		if a.EventID == eventID {
			heads = append(heads, a.Head)
		}
	}
	return heads
}

func ptr[T any](v T) *T { return &v }

// The partial unique index refuses a second pinned post even from a write
// that bypasses the store's unpinning.
func TestOnePinnedPerEvent(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, freshSchema(t))
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
	_, err := s.pool.Exec(ctx, `UPDATE posts SET pinned = true WHERE id = $1`, b.ID)
	if !isUnique(err, "posts_pinned") {
		t.Fatalf("second pinned post: got %v, want a unique violation of posts_pinned", err)
	}
}

// Every time a write stamps comes from Store.Now, not the database's clock,
// and reads back in UTC to the microsecond, whatever zone the session has.
func TestNow(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, withSettings(freshSchema(t), "timezone", "America/New_York"))
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
	stored, err := s.FindEventByID(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	post, err := s.FindPostByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: e.ID})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]time.Time{
		"event created":    stored.CreatedAt,
		"coverage started": stored.CoverageStartedAt,
		"post published":   post.PublishedAt,
		"change created":   batch.Changes[0].CreatedAt,
	} {
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
}

// The hot queries must stay index seeks however long an event grows, and
// whatever plan PostgreSQL settles on: pgx prepares its statements, and after
// a few runs the server may switch to a generic plan made without the
// parameters' values. Each query is checked under that generic plan, on an
// event large enough that a sequential scan would be a real cost.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, freshSchema(t))
	e := seed(t, s, "event", 2000)
	c := &liveblog.Cursor{PublishedAt: time.Date(2025, 2, 13, 8, 0, 0, 0, time.UTC), ID: 500}
	page := liveblog.Listing{EventID: e.ID, ExcludePinned: true}
	key := liveblog.Listing{EventID: e.ID, ExcludePinned: true, KeyOnly: true}
	drafts := liveblog.Listing{EventID: e.ID, Statuses: []liveblog.PostStatus{liveblog.StatusDraft}}
	seekQuery := func(l liveblog.Listing, older bool, c *liveblog.Cursor) func() (string, []any) {
		return func() (string, []any) {
			q, args := listingQuery(l, postColumns, older, c)
			return q + orderBy(older) + fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(args)+1, len(args)+2), append(args, 21, 0)
		}
	}
	existsQuery := func(l liveblog.Listing, older bool, c *liveblog.Cursor) func() (string, []any) {
		return func() (string, []any) {
			q, args := listingQuery(l, `1`, older, c)
			return q + orderBy(older) + ` LIMIT 1`, args
		}
	}

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		query func() (string, []any)
		index string
		sort  bool // the plan may sort what the index found
	}{
		{"Page", seekQuery(page, true, nil), "posts_listing", false},
		{"PageBefore", seekQuery(page, true, c), "posts_listing", false},
		{"PageAfter", seekQuery(page, false, c), "posts_listing", false},
		{"ExistsNewer", existsQuery(page, false, c), "posts_listing", false},
		{"ExistsOlder", existsQuery(page, true, c), "posts_listing", false},
		{"KeyEvents", seekQuery(key, true, nil), "posts_key_events", false},
		{"KeyEventsBefore", seekQuery(key, true, c), "posts_key_events", false},
		{"Drafts", seekQuery(drafts, true, nil), "posts_listing", false},
		// DISTINCT sorts the few due posts by event.
		{"DueEvents", func() (string, []any) { return dueEventsQuery, []any{time.Now()} }, "posts_scheduled", true},
		// The feed's rows are put in order after the lateral join: a sort
		// of at most MaxChangesPerRead rows, found by the index.
		{"Changes", func() (string, []any) { return changesQuery, []any{e.ID, 1, 10} }, "changes_pkey", true},
		{"Takedown", func() (string, []any) {
			return `UPDATE changes SET data = NULL WHERE post_id = $1 AND event_id = $2 AND data IS NOT NULL`, []any{1, e.ID}
		}, "changes_post", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, args := tt.query()
			name := "plan_" + strings.ToLower(tt.name)
			if _, err := conn.Exec(ctx, `PREPARE `+name+` AS `+q); err != nil {
				t.Fatal(err)
			}
			var literals []string
			for _, a := range args {
				literals = append(literals, literal(a))
			}
			rows, err := conn.Query(ctx, `EXPLAIN EXECUTE `+name+`(`+strings.Join(literals, ", ")+`)`)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(lines, "\n")
			if !strings.Contains(plan, " using "+tt.index+" on ") || strings.Contains(plan, "Seq Scan") ||
				(!tt.sort && strings.Contains(plan, "Sort")) {
				t.Fatalf("generic plan:\n%s\nwant a seek on %s without a scan or a sort", plan, tt.index)
			}
		})
	}
}

// literal writes a query argument as an SQL literal for EXECUTE.
func literal(v any) string {
	switch v := v.(type) {
	case time.Time:
		return "'" + v.UTC().Format(time.RFC3339Nano) + "'"
	default:
		return fmt.Sprint(v)
	}
}

// A search of a word in every post's body walks the posts newest first and
// stops after the page, rather than taking every match from the GIN index and
// sorting them (see BENCHMARKS.md, Search); a word in no headline takes the
// headline's GIN index rather than walking the whole event.
func TestSearchPlan(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, freshSchema(t))
	e := seed(t, s, "event", 500)
	seed(t, s, "later", 3000) // newer posts that a walk of the event must not step over
	// seed writes the posts without the Service: the backfill indexes them.
	if _, err := s.pool.Exec(ctx, `INSERT INTO search_backfill (post_id) VALUES (0)`); err != nil {
		t.Fatal(err)
	}
	if err := s.BackfillSearch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `VACUUM ANALYZE post_search`); err != nil {
		t.Fatal(err)
	}
	query, err := liveblog.ParseSearch("ministers")
	if err != nil {
		t.Fatal(err)
	}
	q, args := searchQuery(&liveblog.SearchSpec{Query: query, EventID: e.ID, Statuses: []string{"published"}, Limit: 21})
	rows, err := s.pool.Query(ctx, `EXPLAIN `+q, append([]any{pgx.QueryExecModeExec}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	// The walk may be on post_search_order or on the primary key: with two
	// events the planner rates them alike (it assumes the event's posts are
	// spread evenly among the others).
	if !strings.Contains(plan, "Index Scan Backward using post_search_") ||
		!strings.Contains(plan, "on post_search_headline") || strings.Contains(plan, "on post_search_doc") {
		t.Fatalf("plan:\n%s\nwant the body's matches walked newest first, the headline's found on post_search_headline", plan)
	}
}
