package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/dump"
	"github.com/liveblog/liveblog/postgres"
	"github.com/liveblog/liveblog/sqlite"
)

// testClock is a store clock that moves on by a second and a few
// microseconds at every reading, so that every write has a time of its own
// and times carry microseconds to be kept.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second + 7*time.Microsecond)
	return c.t
}

// TestMigrate copies an instance with everything an instance can hold from
// SQLite to PostgreSQL with the real command, and compares the two stores
// through the interfaces the rest of liveblog reads them by.
func TestMigrate(t *testing.T) {
	dsn := freshDatabase(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "liveblog.db")
	clock := &testClock{t: time.Date(2026, 2, 13, 9, 0, 0, 0, time.UTC)}
	src, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	src.Now = clock.now
	seedInstance(t, src, clock)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"migrate", "--from", "sqlite:" + path, "--to", dsn}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("migrate: %v\n%s%s", err, stderr.String(), stdout.String())
	}
	t.Logf("migrate printed:\n%s", stdout.String())

	src, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	// Both read the time from one stopped clock, so that sessions are
	// judged live or expired alike.
	frozen := clock.now()
	src.Now = func() time.Time { return frozen }
	dst.Now = src.Now

	t.Run("Comparison", func(t *testing.T) {
		out := stdout.String()
		for _, want := range []string{"events", "changes", "posts.deleted", "budget", "PostgreSQL holds everything"} {
			if !strings.Contains(out, want) {
				t.Errorf("output does not mention %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "DIFFERS") {
			t.Errorf("output shows a difference:\n%s", out)
		}
	})

	t.Run("Events", func(t *testing.T) {
		want := unwrap(src.FindEvents(ctx, liveblog.EventFilter{Limit: liveblog.MaxPageSize}))(t)
		got := unwrap(dst.FindEvents(ctx, liveblog.EventFilter{Limit: liveblog.MaxPageSize}))(t)
		same(t, "events", got, want)
		if len(want) != 3 {
			t.Fatalf("the source has %d events, want 3", len(want))
		}
		for _, ev := range want {
			same(t, "event "+ev.Slug, unwrap(dst.FindEventByID(ctx, ev.ID))(t), ev)
			same(t, "event by slug "+ev.Slug, unwrap(dst.FindEventBySlug(ctx, ev.Slug))(t), ev)
		}
	})

	t.Run("Posts", func(t *testing.T) {
		for _, ev := range unwrap(src.FindEvents(ctx, liveblog.EventFilter{}))(t) {
			filter := liveblog.PostFilter{EventID: ev.ID, Statuses: dump.PostStatuses, OldestFirst: true, Limit: liveblog.MaxPageSize}
			want := unwrap(src.FindPosts(ctx, filter))(t)
			same(t, "posts of "+ev.Slug, unwrap(dst.FindPosts(ctx, filter))(t), want)
			for _, p := range want {
				same(t, "post", unwrap(dst.FindPostByID(ctx, p.ID))(t), p)
			}
			page := liveblog.PageFilter{Slug: ev.Slug}
			same(t, "page of "+ev.Slug, unwrap(dst.FindPage(ctx, page))(t), unwrap(src.FindPage(ctx, page))(t))
		}
	})

	t.Run("Feed", func(t *testing.T) {
		for _, ev := range unwrap(src.FindEvents(ctx, liveblog.EventFilter{}))(t) {
			for _, after := range []int64{0, ev.Head - 1} {
				f := liveblog.ChangeFilter{EventID: ev.ID, After: max(after, 0)}
				same(t, "feed of "+ev.Slug, unwrap(dst.FindChanges(ctx, f))(t), unwrap(src.FindChanges(ctx, f))(t))
			}
		}
		// Row by row, payloads included, as each store keeps them: JSON
		// text in SQLite, jsonb in PostgreSQL, equal as JSON.
		want, got := changeRows(t, src), changeRows(t, dst)
		if len(got) != len(want) {
			t.Fatalf("PostgreSQL has %d change rows, want %d", len(got), len(want))
		}
		for i := range want {
			w, g := *want[i], *got[i]
			w.Data, g.Data = nil, nil
			if !reflect.DeepEqual(g, w) || !sameJSON(got[i].Data, want[i].Data) {
				t.Errorf("change row %d/%d:\n got %+v %s\nwant %+v %s", w.EventID, w.Seq, g, got[i].Data, w, want[i].Data)
			}
		}
	})

	t.Run("Tokens", func(t *testing.T) {
		want := unwrap(src.FindTokens(ctx))(t)
		same(t, "tokens", unwrap(dst.FindTokens(ctx))(t), want)
		if len(want) != 2 {
			t.Errorf("the source has %d tokens, want 2", len(want))
		}
	})

	t.Run("Users", func(t *testing.T) {
		want := unwrap(src.FindUsers(ctx))(t)
		same(t, "users", unwrap(dst.FindUsers(ctx))(t), want)
		hash := liveblog.HashToken("session of ann")
		same(t, "session", unwrap(dst.FindSessionByHash(ctx, hash))(t), unwrap(src.FindSessionByHash(ctx, hash))(t))
	})

	// The copy goes on where the source stopped: the next event, post, token
	// and user get fresh ids, and the next change the next sequence.
	t.Run("WritesAfterCopy", func(t *testing.T) {
		budget := unwrap(dst.FindEventBySlug(ctx, "budget"))(t)
		p := &liveblog.Post{EventID: budget.ID, Headline: "After the move", Status: liveblog.StatusPublished}
		if err := dst.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		b := unwrap(dst.FindChanges(ctx, liveblog.ChangeFilter{EventID: budget.ID, After: budget.Head}))(t)
		if len(b.Changes) != 1 || b.Changes[0].Seq != budget.Head+1 || b.Changes[0].PostID != p.ID {
			t.Errorf("after head %d: %+v, want one change %d of post %d", budget.Head, b.Changes, budget.Head+1, p.ID)
		}
		ev := &liveblog.Event{Slug: "after-the-move", Title: "After the move"}
		if err := dst.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
			t.Fatalf("a new event after the copy: %v", err)
		}
		if err := dst.CreateToken(ctx, liveblog.Write{}, &liveblog.Token{Name: "after", Hash: liveblog.HashToken("after")}); err != nil {
			t.Fatalf("a new token after the copy: %v", err)
		}
		if err := dst.CreateUser(ctx, liveblog.Write{}, &liveblog.User{Email: "cy@example.com", Name: "Cy", Role: liveblog.RoleEditor, PasswordHash: "$argon2id$x"}); err != nil {
			t.Fatalf("a new user after the copy: %v", err)
		}
	})

	t.Run("ErrTargetNotEmpty", func(t *testing.T) {
		before := unwrap(dst.Census(ctx))(t)
		var stdout, stderr bytes.Buffer
		err := run(ctx, []string{"migrate", "--from", "sqlite:" + dir, "--to", dsn}, nil, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "empty database") {
			t.Fatalf("migrate into a database in use = %v, want a refusal naming an empty database", err)
		}
		if diffs := dump.Diff(before, unwrap(dst.Census(ctx))(t)); len(diffs) > 0 {
			t.Errorf("a refused migration changed the target: %v", diffs)
		}
	})

	t.Run("ErrSourceMissing", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		missing := filepath.Join(t.TempDir(), "nothing.db")
		// The source is checked before the target is reached.
		err := run(ctx, []string{"migrate", "--from", "sqlite:" + missing, "--to", "postgres://nobody@127.0.0.1:1/none"}, nil, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Fatalf("migrate from a file that does not exist = %v, want an error naming it", err)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Error("migrate created the source file")
		}
	})
}

// seedInstance writes what a newsroom's instance holds after a while: a live
// event with published, edited, pinned, key, draft, scheduled, deleted and
// restored posts, a summary, and a trimmed feed; an ended event; a scheduled
// one with nothing yet; tokens, one used and one revoked; users, one
// disabled, a session and failed sign-ins.
func seedInstance(t *testing.T, s *sqlite.Store, clock *testClock) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ann := &liveblog.User{Email: "ann@example.com", Name: "Ann Reporter", Role: liveblog.RoleReporter, PasswordHash: "$argon2id$ann",
		Byline: liveblog.Contributor{Role: "Political correspondent", Avatar: "/media/ann.jpg"}}
	must(s.CreateUser(ctx, liveblog.Write{}, ann))
	bob := &liveblog.User{Email: "bob@example.com", Name: "Bob Editor", Role: liveblog.RoleEditor, PasswordHash: "$argon2id$bob"}
	must(s.CreateUser(ctx, liveblog.Write{}, bob))
	_, err := s.UpdateUser(ctx, liveblog.Write{}, bob.ID, liveblog.UserUpdate{Disabled: ptrTo(true), Version: 1})
	must(err)
	must(s.CreateSession(ctx, &liveblog.Session{Hash: liveblog.HashToken("session of ann"), UserID: ann.ID}))
	_, err = s.RecordLoginAttempt(ctx, "guess-1", []string{"account:bob@example.com", "address:192.0.2.1"}, clock.t.Add(-time.Hour))
	must(err)

	budget := &liveblog.Event{Slug: "budget", Title: "Budget day", Description: "Every measure as it is announced.", State: liveblog.CoverageLive,
		Summary: liveblog.Summary{Points: []string{"Income tax unchanged"}}}
	must(s.CreateEvent(ctx, liveblog.Write{}, budget))
	post := func(ev *liveblog.Event, headline string, mod func(*liveblog.Post)) *liveblog.Post {
		t.Helper()
		p := &liveblog.Post{EventID: ev.ID, Headline: headline, AuthorID: ann.ID,
			Blocks:       []liveblog.Block{liveblog.Plain("What happened: " + headline + "."), {Type: liveblog.BlockQuote, Text: "We will see.", Attribution: "A minister"}},
			Contributors: []liveblog.Contributor{{Name: "Ann Reporter", Role: "Political correspondent"}}}
		if mod != nil {
			mod(p)
		}
		must(s.CreatePost(ctx, liveblog.Write{}, p))
		return p
	}
	var published []*liveblog.Post
	for _, h := range []string{"Chancellor rises", "Fuel duty frozen", "Pensions", "Defence", "Schools"} {
		published = append(published, post(budget, h, nil))
	}
	post(budget, "Markets react", func(p *liveblog.Post) { p.KeyEvent, p.Breaking = true, true })
	edited, err := s.ChangePost(ctx, liveblog.Write{}, published[1].ID, &liveblog.PostUpdate{Headline: ptrTo("Fuel duty frozen again"),
		CorrectionNote: ptrTo("An earlier version gave the wrong year."), Version: 1})
	must(err)
	_, err = s.ChangePost(ctx, liveblog.Write{}, edited.ID, liveblog.PinPost{Pinned: true, Version: edited.Version})
	must(err)
	// A takedown: the post's earlier changes lose their payloads.
	_, err = s.ChangePost(ctx, liveblog.Write{}, published[2].ID, liveblog.DeletePost{Version: 1})
	must(err)
	deleted, err := s.ChangePost(ctx, liveblog.Write{}, published[3].ID, liveblog.DeletePost{Version: 1})
	must(err)
	_, err = s.ChangePost(ctx, liveblog.Write{}, deleted.ID, liveblog.RestorePost{Version: deleted.Version})
	must(err)
	post(budget, "Draft: reaction from the opposition", func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
	draft := post(budget, "Draft never published", func(p *liveblog.Post) { p.Status = liveblog.StatusDraft })
	_, err = s.ChangePost(ctx, liveblog.Write{}, draft.ID, liveblog.DeletePost{Version: 1})
	must(err)
	post(budget, "Scheduled: the Chancellor's interview", func(p *liveblog.Post) {
		p.Status, p.ScheduledAt = liveblog.StatusScheduled, clock.t.Add(24*time.Hour)
	})
	current, err := s.FindEventByID(ctx, budget.ID)
	must(err)
	_, err = s.ChangeEvent(ctx, liveblog.Write{}, budget.ID, liveblog.ReplaceSummary{Points: []string{"Income tax unchanged", "Fuel duty frozen"}, Version: current.Version})
	must(err)
	must(s.TrimChanges(ctx, budget.ID, 9))

	election := &liveblog.Event{Slug: "election", Title: "Election night", State: liveblog.CoverageLive}
	must(s.CreateEvent(ctx, liveblog.Write{}, election))
	post(election, "Polls close", nil)
	post(election, "First result", func(p *liveblog.Post) { p.PublishedAt = clock.t.Add(-time.Hour) })
	_, err = s.ChangeEvent(ctx, liveblog.Write{}, election.ID, liveblog.SetCoverage{State: liveblog.CoverageEnded, Version: 1})
	must(err)

	must(s.CreateEvent(ctx, liveblog.Write{}, &liveblog.Event{Slug: "transport", Title: "Transport strike", TimeZone: "Europe/Paris"}))

	used := &liveblog.Token{Name: "wire desk", Hash: liveblog.HashToken("lb_wire"), UserID: ann.ID}
	must(s.CreateToken(ctx, liveblog.Write{}, used))
	_, err = s.FindTokenByHash(ctx, used.Hash)
	must(err)
	revoked := &liveblog.Token{Name: "old script", Hash: liveblog.HashToken("lb_old")}
	must(s.CreateToken(ctx, liveblog.Write{}, revoked))
	must(s.RevokeToken(ctx, liveblog.Write{}, revoked.ID))
}

// changeRows reads the change feed of a store row by row.
func changeRows(t *testing.T, d dump.Dumper) []*dump.Change {
	t.Helper()
	var rows []*dump.Change
	err := d.Dump(context.Background(), func(r dump.Record) error {
		if r.Change != nil {
			rows = append(rows, r.Change)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// sameJSON reports whether two JSON texts hold the same value (nil only
// equals nil): jsonb orders an object's keys its own way.
func sameJSON(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// same fails the test when got is not want, showing both as JSON.
func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s differs:\n got %s\nwant %s", what, g, w)
	}
}

// unwrap takes a value and an error, as unwrap(store.FindX(...))(t), and
// returns the value, failing the test on the error.
func unwrap[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ptrTo[T any](v T) *T { return &v }
