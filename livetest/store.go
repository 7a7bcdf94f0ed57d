// Package livetest holds the contract suites that every implementation of the
// domain's interfaces runs: TestStore for a liveblog.Store, TestBroker for a
// liveblog.Broker. The suites use only the interfaces, so that SQLite and
// PostgreSQL (or the in-process and NATS brokers) are held to the very same
// behaviour.
package livetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// OpenStore returns a fresh, empty store that announces the heads it moves to
// a, and closes it with t.Cleanup.
type OpenStore func(t *testing.T, a liveblog.Announcer) liveblog.Store

// TestStore runs the contract every liveblog.Store must meet.
func TestStore(t *testing.T, open OpenStore) {
	t.Run("Event", func(t *testing.T) { testEvents(t, open) })
	t.Run("Post", func(t *testing.T) { testPosts(t, open) })
	t.Run("Pin", func(t *testing.T) { testPins(t, open) })
	t.Run("Schedule", func(t *testing.T) { testSchedule(t, open) })
	t.Run("FindPosts", func(t *testing.T) { testFindPosts(t, open) })
	t.Run("FindPage", func(t *testing.T) { testFindPage(t, open) })
	t.Run("Feed", func(t *testing.T) { testFeed(t, open) })
	t.Run("Token", func(t *testing.T) { testTokens(t, open) })
}

// fixture is one fresh store with the announcements it has made.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	s     liveblog.Store
	heard *announcements
}

func newFixture(t *testing.T, open OpenStore) *fixture {
	t.Helper()
	heard := &announcements{}
	return &fixture{t: t, ctx: context.Background(), s: open(t, heard), heard: heard}
}

// announcements records what a store announces, in order.
type announcements struct {
	mu   sync.Mutex
	list []liveblog.Announcement
}

func (a *announcements) Announce(_ context.Context, eventID, head int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.list = append(a.list, liveblog.Announcement{EventID: eventID, Head: head})
}

// of returns the heads announced for one event.
func (a *announcements) of(eventID int64) []int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var heads []int64
	for _, x := range a.list {
		if x.EventID == eventID {
			heads = append(heads, x.Head)
		}
	}
	return heads
}

var eventCount struct {
	sync.Mutex
	n int
}

// event creates an event with a unique slug; edit, if given, adjusts it first.
func (f *fixture) event(edit ...func(*liveblog.Event)) *liveblog.Event {
	f.t.Helper()
	eventCount.Lock()
	eventCount.n++
	n := eventCount.n
	eventCount.Unlock()
	e := &liveblog.Event{Slug: fmt.Sprintf("event-%d", n), Title: fmt.Sprintf("Event %d", n)}
	for _, fn := range edit {
		fn(e)
	}
	if err := f.s.CreateEvent(f.ctx, liveblog.Write{}, e); err != nil {
		f.t.Fatalf("CreateEvent: %v", err)
	}
	return e
}

// post creates a published post in event eventID; edit, if given, adjusts it
// first.
func (f *fixture) post(eventID int64, edit ...func(*liveblog.Post)) *liveblog.Post {
	f.t.Helper()
	p := &liveblog.Post{EventID: eventID, Headline: "Ministers meet in Brussels", Blocks: []liveblog.Block{liveblog.Plain("They met.")}}
	for _, fn := range edit {
		fn(p)
	}
	if err := f.s.CreatePost(f.ctx, liveblog.Write{}, p); err != nil {
		f.t.Fatalf("CreatePost: %v", err)
	}
	return p
}

// findPost reads a post back.
func (f *fixture) findPost(id int64) *liveblog.Post {
	f.t.Helper()
	p, err := f.s.FindPostByID(f.ctx, id)
	if err != nil {
		f.t.Fatalf("FindPostByID(%d): %v", id, err)
	}
	return p
}

// feed reads what is kept of an event's feed, in as many reads as it takes,
// and checks that it is gapless from the floor to the head.
func (f *fixture) feed(eventID int64) []*liveblog.Change {
	f.t.Helper()
	var changes []*liveblog.Change
	var after int64
	for {
		b, err := f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: eventID, After: after})
		if err != nil {
			f.t.Fatalf("FindChanges: %v", err)
		}
		if after < b.Floor {
			// Trimmed: what is kept starts above the floor.
			after = b.Floor
			continue
		}
		for _, c := range b.Changes {
			if c.Seq != after+1 {
				f.t.Fatalf("feed: got seq %d after %d, want %d", c.Seq, after, after+1)
			}
			after = c.Seq
			changes = append(changes, c)
		}
		if len(b.Changes) == 0 {
			if after != b.Head {
				f.t.Fatalf("feed: ended at %d, want head %d", after, b.Head)
			}
			return changes
		}
	}
}

// head returns an event's head.
func (f *fixture) head(eventID int64) int64 {
	f.t.Helper()
	b, err := f.s.FindChanges(f.ctx, liveblog.ChangeFilter{EventID: eventID, Limit: 1})
	if err != nil {
		f.t.Fatalf("FindChanges: %v", err)
	}
	return b.Head
}

// kinds lists the kinds and post ids of changes, for messages that read like
// the feed ("post.published 7").
func kinds(changes []*liveblog.Change) []string {
	var s []string
	for _, c := range changes {
		if c.PostID != 0 {
			s = append(s, fmt.Sprintf("%s %d", c.Kind, c.PostID))
		} else {
			s = append(s, string(c.Kind))
		}
	}
	return s
}

func wantKinds(t *testing.T, changes []*liveblog.Change, want ...string) {
	t.Helper()
	if got := kinds(changes); !slices.Equal(got, want) {
		t.Fatalf("feed:\n got %q\nwant %q", got, want)
	}
}

// sameJSON compares two values by their JSON encoding: times that are equal
// and in the same zone encode the same, so this also checks that a store
// returns what it was given, to the microsecond and in UTC.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// wantError checks err's code and, when field is not empty, the field it
// names.
func wantError(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := liveblog.ErrorCode(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
	if field != "" {
		if got := liveblog.ErrorField(err); got != field {
			t.Fatalf("error field: got %q (%v), want %q", got, err, field)
		}
	}
}

// wantConflict checks that err reports a stale version with these numbers.
func wantConflict(t *testing.T, err error, current, got int) {
	t.Helper()
	var ce *liveblog.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("error: got %v, want a *liveblog.ConflictError", err)
	}
	if ce.Current != current || ce.Got != got {
		t.Fatalf("conflict: got current %d, got %d; want current %d, got %d", ce.Current, ce.Got, current, got)
	}
	wantError(t, err, liveblog.ECONFLICT, "")
}

func ptr[T any](v T) *T { return &v }

func testEvents(t *testing.T, open OpenStore) {
	t.Run("Create", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event(func(e *liveblog.Event) {
			e.Description = "Defence ministers meet at NATO headquarters."
			e.Summary.Points = []string{"Ministers meet in Brussels", "Aid on the agenda"}
		})
		if e.ID == 0 || e.Version != 1 || e.Head != 0 {
			t.Fatalf("created event: got id %d, version %d, head %d; want an id, version 1, head 0", e.ID, e.Version, e.Head)
		}
		if e.State != liveblog.CoverageScheduled || e.TimeZone != liveblog.DefaultTimeZone || e.Language != liveblog.DefaultLanguage {
			t.Fatalf("defaults: got state %q, zone %q, language %q", e.State, e.TimeZone, e.Language)
		}
		if e.CreatedAt.IsZero() || !e.UpdatedAt.Equal(e.CreatedAt) || e.Summary.UpdatedAt.IsZero() {
			t.Fatalf("times: got created %v, updated %v, summary %v", e.CreatedAt, e.UpdatedAt, e.Summary.UpdatedAt)
		}
		if !e.CoverageStartedAt.IsZero() {
			t.Fatalf("coverage started: got %v for a scheduled event, want zero", e.CoverageStartedAt)
		}
		byID, err := f.s.FindEventByID(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "FindEventByID", byID, e)
		bySlug, err := f.s.FindEventBySlug(f.ctx, e.Slug)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "FindEventBySlug", bySlug, e)
		if changes := f.feed(e.ID); len(changes) != 0 {
			t.Fatalf("feed of a new event: got %q, want nothing", kinds(changes))
		}
		if heard := f.heard.of(e.ID); len(heard) != 0 {
			t.Fatalf("announced %v for a new event, want nothing", heard)
		}
	})

	t.Run("CreateLanguage", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event(func(e *liveblog.Event) { e.Language = "AR-eg" })
		if e.Language != "ar-EG" || e.Direction() != "rtl" {
			t.Fatalf("language: got %q (%s), want ar-EG, rtl", e.Language, e.Direction())
		}
		stored, err := f.s.FindEventByID(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "stored event", stored, e)
	})

	t.Run("CreateLive", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event(func(e *liveblog.Event) { e.State = liveblog.CoverageLive })
		if e.CoverageStartedAt.IsZero() || !e.CoverageEndedAt.IsZero() {
			t.Fatalf("coverage times: got started %v, ended %v; want started only", e.CoverageStartedAt, e.CoverageEndedAt)
		}
	})

	t.Run("ErrSlugTaken", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		err := f.s.CreateEvent(f.ctx, liveblog.Write{}, &liveblog.Event{Slug: e.Slug, Title: "Another"})
		wantError(t, err, liveblog.ECONFLICT, "slug")
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		for _, tt := range []struct {
			name  string
			event liveblog.Event
			field string
		}{
			{"Slug", liveblog.Event{Slug: "Not A Slug", Title: "Title"}, "slug"},
			{"Title", liveblog.Event{Slug: "ok", Title: " "}, "title"},
			{"TimeZone", liveblog.Event{Slug: "ok", Title: "Title", TimeZone: "Mars/Olympus"}, "time_zone"},
			{"Language", liveblog.Event{Slug: "ok", Title: "Title", Language: "not a language"}, "language"},
			{"LanguageUndetermined", liveblog.Event{Slug: "ok", Title: "Title", Language: "und"}, "language"},
			{"State", liveblog.Event{Slug: "ok", Title: "Title", State: "over"}, "state"},
			{"Summary", liveblog.Event{Slug: "ok", Title: "Title", Summary: liveblog.Summary{Points: []string{"one", ""}}}, "summary.points[1]"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantError(t, f.s.CreateEvent(f.ctx, liveblog.Write{}, &tt.event), liveblog.EINVALID, tt.field)
			})
		}
		if _, err := f.s.FindEventBySlug(f.ctx, "ok"); liveblog.ErrorCode(err) != liveblog.ENOTFOUND {
			t.Fatalf("an invalid event was stored: FindEventBySlug error %v", err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		_, err := f.s.FindEventByID(f.ctx, e.ID+1000)
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, err = f.s.FindEventBySlug(f.ctx, "no-such-event")
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID+1000, &liveblog.EventUpdate{Title: ptr("New"), Version: 1})
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID+1000, liveblog.SetCoverage{State: liveblog.CoverageLive, Version: 1})
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID+1000, liveblog.ReplaceSummary{Points: []string{"A point"}, Version: 1})
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("FindEvents", func(t *testing.T) {
		f := newFixture(t, open)
		a := f.event()
		b := f.event()
		live := f.event(func(e *liveblog.Event) { e.State = liveblog.CoverageLive })
		// Updating a makes it the most recently updated of the others.
		a, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, a.ID, &liveblog.EventUpdate{Title: ptr("Retitled"), Version: a.Version})
		if err != nil {
			t.Fatal(err)
		}
		ids := func(events []*liveblog.Event) []int64 {
			var ids []int64
			for _, e := range events {
				ids = append(ids, e.ID)
			}
			return ids
		}
		got, err := f.s.FindEvents(f.ctx, liveblog.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{live.ID, a.ID, b.ID}; !slices.Equal(ids(got), want) {
			t.Fatalf("FindEvents: got %v, want %v (live first, then most recently updated)", ids(got), want)
		}
		sameJSON(t, "listed event", got[1], a)
		got, err = f.s.FindEvents(f.ctx, liveblog.EventFilter{State: liveblog.CoverageScheduled, Limit: 1, Offset: 1})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{b.ID}; !slices.Equal(ids(got), want) {
			t.Fatalf("FindEvents(scheduled, limit 1, offset 1): got %v, want %v", ids(got), want)
		}
		_, err = f.s.FindEvents(f.ctx, liveblog.EventFilter{State: "over"})
		wantError(t, err, liveblog.EINVALID, "state")
	})

	t.Run("Update", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		got, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, &liveblog.EventUpdate{
			Title: ptr("NATO ministers meet"), Description: ptr("Live from Brussels"), TimeZone: ptr("Europe/Brussels"),
			Language: ptr("fr-be"), Version: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "NATO ministers meet" || got.Description != "Live from Brussels" || got.TimeZone != "Europe/Brussels" ||
			got.Language != "fr-BE" {
			t.Fatalf("updated event: got %q, %q, %q, %q", got.Title, got.Description, got.TimeZone, got.Language)
		}
		if got.Version != 2 || got.Head != 1 || got.UpdatedAt.Before(e.UpdatedAt) || !got.CreatedAt.Equal(e.CreatedAt) {
			t.Fatalf("updated event: got version %d, head %d, updated %v; want version 2, head 1", got.Version, got.Head, got.UpdatedAt)
		}
		stored, err := f.s.FindEventByID(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "stored event", stored, got)
		changes := f.feed(e.ID)
		wantKinds(t, changes, "event.updated")
		sameJSON(t, "change snapshot", changes[0].Event, got)
		if heard := f.heard.of(e.ID); !slices.Equal(heard, []int64{1}) {
			t.Fatalf("announced %v, want [1]", heard)
		}
	})

	t.Run("UpdateUnchanged", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		got, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, &liveblog.EventUpdate{Title: ptr(e.Title), Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 {
			t.Fatalf("version: got %d, want 2", got.Version)
		}
		if changes := f.feed(e.ID); len(changes) != 0 {
			t.Fatalf("an update that changes nothing reached the feed: %q", kinds(changes))
		}
	})

	t.Run("UpdateErrConflict", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		if _, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, &liveblog.EventUpdate{Title: ptr("First edit"), Version: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, &liveblog.EventUpdate{Title: ptr("Second edit"), Version: 1})
		wantConflict(t, err, 2, 1)
		stored, err := f.s.FindEventByID(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Title != "First edit" {
			t.Fatalf("title after a conflict: got %q, want %q", stored.Title, "First edit")
		}
		if heard := f.heard.of(e.ID); !slices.Equal(heard, []int64{1}) {
			t.Fatalf("announced %v, want [1]: a failed write announces nothing", heard)
		}
	})

	t.Run("UpdateErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		_, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, &liveblog.EventUpdate{Title: ptr(""), Version: 1})
		wantError(t, err, liveblog.EINVALID, "title")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, &liveblog.EventUpdate{TimeZone: ptr("Local"), Version: 1})
		wantError(t, err, liveblog.EINVALID, "time_zone")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, &liveblog.EventUpdate{Language: ptr("x"), Version: 1})
		wantError(t, err, liveblog.EINVALID, "language")
	})

	t.Run("Coverage", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		move := func(state liveblog.CoverageState, version int) *liveblog.Event {
			t.Helper()
			got, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, liveblog.SetCoverage{State: state, Version: version})
			if err != nil {
				t.Fatalf("SetCoverage(%s): %v", state, err)
			}
			if got.State != state || got.Version != version+1 {
				t.Fatalf("SetCoverage(%s): got state %s, version %d", state, got.State, got.Version)
			}
			return got
		}
		live := move(liveblog.CoverageLive, 1)
		if live.CoverageStartedAt.IsZero() {
			t.Fatal("going live did not stamp CoverageStartedAt")
		}
		move(liveblog.CoveragePaused, 2)
		again := move(liveblog.CoverageLive, 3)
		if !again.CoverageStartedAt.Equal(live.CoverageStartedAt) {
			t.Fatalf("CoverageStartedAt after a pause: got %v, want the first start %v", again.CoverageStartedAt, live.CoverageStartedAt)
		}
		ended := move(liveblog.CoverageEnded, 4)
		if ended.CoverageEndedAt.IsZero() {
			t.Fatal("ending did not stamp CoverageEndedAt")
		}
		changes := f.feed(e.ID)
		wantKinds(t, changes, "coverage.changed", "coverage.changed", "coverage.changed", "coverage.changed")
		sameJSON(t, "last change snapshot", changes[3].Event, ended)

		_, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, liveblog.SetCoverage{State: liveblog.CoverageLive, Version: 5})
		wantError(t, err, liveblog.EINVALID, "state")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, liveblog.SetCoverage{State: "over", Version: 5})
		wantError(t, err, liveblog.EINVALID, "state")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, liveblog.SetCoverage{State: liveblog.CoverageEnded, Version: 4})
		wantConflict(t, err, 5, 4)
	})

	t.Run("Summary", func(t *testing.T) {
		f := newFixture(t, open)
		e := f.event()
		points := []string{"Ministers meet in Brussels", "Aid for Ukraine on the agenda"}
		got, err := f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, liveblog.ReplaceSummary{Points: points, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Summary.Points, points) || got.Summary.UpdatedAt.IsZero() || got.Version != 2 {
			t.Fatalf("summary: got %q at %v, version %d", got.Summary.Points, got.Summary.UpdatedAt, got.Version)
		}
		changes := f.feed(e.ID)
		wantKinds(t, changes, "summary.updated")
		sameJSON(t, "change snapshot", changes[0].Event, got)

		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, liveblog.ReplaceSummary{Points: make([]string, liveblog.MaxSummaryPoints+1), Version: 2})
		wantError(t, err, liveblog.EINVALID, "summary.points")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, liveblog.ReplaceSummary{Points: []string{"Fine", "\x00"}, Version: 2})
		wantError(t, err, liveblog.EINVALID, "summary.points[1]")
		_, err = f.s.ChangeEvent(f.ctx, liveblog.Write{}, e.ID, liveblog.ReplaceSummary{Points: points, Version: 1})
		wantConflict(t, err, 2, 1)
	})
}

func testTokens(t *testing.T, open OpenStore) {
	t.Run("Lifecycle", func(t *testing.T) {
		f := newFixture(t, open)
		_, hash := liveblog.NewTokenSecret()
		tok := &liveblog.Token{Name: "Wire importer", Hash: hash, UserID: 7}
		if err := f.s.CreateToken(f.ctx, liveblog.Write{}, tok); err != nil {
			t.Fatal(err)
		}
		if tok.ID == 0 || tok.CreatedAt.IsZero() || !tok.LastUsedAt.IsZero() || !tok.RevokedAt.IsZero() {
			t.Fatalf("created token: %+v", tok)
		}
		found, err := f.s.FindTokenByHash(f.ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if found.ID != tok.ID || found.Name != tok.Name || found.Hash != hash || found.UserID != 7 || found.LastUsedAt.IsZero() {
			t.Fatalf("FindTokenByHash: got %+v, want token %d with its use recorded", found, tok.ID)
		}
		list, err := f.s.FindTokens(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != tok.ID || !list[0].LastUsedAt.Equal(found.LastUsedAt) {
			t.Fatalf("FindTokens: got %+v, want the token with its last use", list)
		}

		if err := f.s.RevokeToken(f.ctx, liveblog.Write{}, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.FindTokenByHash(f.ctx, hash)
		wantError(t, err, liveblog.ENOTFOUND, "")
		if err := f.s.RevokeToken(f.ctx, liveblog.Write{}, tok.ID); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		list, err = f.s.FindTokens(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].RevokedAt.IsZero() {
			t.Fatalf("FindTokens after revoking: got %+v, want the token marked revoked", list)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		f := newFixture(t, open)
		_, hash := liveblog.NewTokenSecret()
		tok := &liveblog.Token{Name: "Desk", Hash: hash}
		if err := f.s.CreateToken(f.ctx, liveblog.Write{}, tok); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.FindTokenByHash(f.ctx, liveblog.HashToken("lb_wrong"))
		wantError(t, err, liveblog.ENOTFOUND, "")
		_, err = f.s.FindTokenByHash(f.ctx, "")
		wantError(t, err, liveblog.ENOTFOUND, "")
		wantError(t, f.s.RevokeToken(f.ctx, liveblog.Write{}, tok.ID+1000), liveblog.ENOTFOUND, "")
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		f := newFixture(t, open)
		_, hash := liveblog.NewTokenSecret()
		wantError(t, f.s.CreateToken(f.ctx, liveblog.Write{}, &liveblog.Token{Name: "", Hash: hash}), liveblog.EINVALID, "name")
		wantError(t, f.s.CreateToken(f.ctx, liveblog.Write{}, &liveblog.Token{Name: strings.Repeat("n", liveblog.MaxNameLength+1), Hash: hash}), liveblog.EINVALID, "name")
		wantError(t, f.s.CreateToken(f.ctx, liveblog.Write{}, &liveblog.Token{Name: "No hash"}), liveblog.EINVALID, "hash")
		if err := f.s.CreateToken(f.ctx, liveblog.Write{}, &liveblog.Token{Name: "First", Hash: hash}); err != nil {
			t.Fatal(err)
		}
		wantError(t, f.s.CreateToken(f.ctx, liveblog.Write{}, &liveblog.Token{Name: "Second", Hash: hash}), liveblog.ECONFLICT, "")
	})
}

// clock returns a fixed time for posts whose times a test sets itself, far
// enough in the past that the store's own clock never interleaves with it.
func clock(minutes int) time.Time {
	return time.Date(2025, 2, 13, 9, 0, 0, 0, time.UTC).Add(time.Duration(minutes) * time.Minute)
}
