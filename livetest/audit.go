package livetest

import (
	"context"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// AuditedStore is a store that keeps the audit log.
type AuditedStore interface {
	liveblog.Store
	liveblog.AuditStore
}

// OpenAuditedStore returns a fresh, empty store that reads the time from
// now, and closes it with t.Cleanup.
type OpenAuditedStore func(t *testing.T, now func() time.Time) AuditedStore

// TestAuditStore runs the contract of liveblog.AuditStore: the entry in a
// mutation's context is written in that mutation's transaction, once, and
// not at all when the mutation fails.
func TestAuditStore(t *testing.T, open OpenAuditedStore) {
	ctx := context.Background()
	fresh := func(t *testing.T) (AuditedStore, *fakeClock, *liveblog.Event) {
		clock := newClock()
		s := open(t, clock.now)
		e := &liveblog.Event{Slug: "audited", Title: "Audited", State: liveblog.CoverageLive}
		if err := s.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		return s, clock, e
	}
	find := func(t *testing.T, s AuditedStore, f liveblog.AuditFilter) []*liveblog.AuditEntry {
		t.Helper()
		got, err := s.FindAudit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	t.Run("WithMutation", func(t *testing.T) {
		s, clock, e := fresh(t)
		a := &liveblog.AuditEntry{UserID: 3, UserName: "Ana Reyes", Action: "post.create", Address: "192.0.2.7"}
		p := &liveblog.Post{EventID: e.ID, Headline: "Ferries cancelled"}
		if err := s.CreatePost(liveblog.WithAudit(ctx, a), p); err != nil {
			t.Fatal(err)
		}
		if !a.Recorded() {
			t.Error("entry not marked recorded after the write committed")
		}
		got := find(t, s, liveblog.AuditFilter{})
		if len(got) != 1 {
			t.Fatalf("got %d entries, want 1", len(got))
		}
		g := got[0]
		if g.ID != a.ID || g.UserID != 3 || g.UserName != "Ana Reyes" || g.Action != "post.create" ||
			g.Address != "192.0.2.7" || g.EventID != e.ID || !g.At.Equal(clock.now()) {
			t.Errorf("entry = %+v, want the request's, on event %d at %v", g, e.ID, clock.now())
		}
	})

	t.Run("OncePerContext", func(t *testing.T) {
		s, _, e := fresh(t)
		a := &liveblog.AuditEntry{UserID: 3, UserName: "Ana", Action: "post.create", Address: "192.0.2.7"}
		actx := liveblog.WithAudit(ctx, a)
		for range 2 {
			if err := s.CreatePost(actx, &liveblog.Post{EventID: e.ID, Headline: "Twice"}); err != nil {
				t.Fatal(err)
			}
		}
		if got := find(t, s, liveblog.AuditFilter{}); len(got) != 1 {
			t.Errorf("got %d entries, want 1", len(got))
		}
	})

	t.Run("FailedMutation", func(t *testing.T) {
		s, _, e := fresh(t)
		a := &liveblog.AuditEntry{UserID: 3, UserName: "Ana", Action: "event.update", Address: "192.0.2.7"}
		title := "Stale"
		_, err := s.UpdateEvent(liveblog.WithAudit(ctx, a), e.ID, liveblog.EventUpdate{Title: &title, Version: e.Version + 5})
		if liveblog.ErrorCode(err) != liveblog.ECONFLICT {
			t.Fatalf("err = %v, want a conflict", err)
		}
		if a.Recorded() {
			t.Error("entry marked recorded by a write that failed")
		}
		if got := find(t, s, liveblog.AuditFilter{}); len(got) != 0 {
			t.Errorf("got %d entries, want none", len(got))
		}
	})

	t.Run("RecordAudit", func(t *testing.T) {
		s, clock, _ := fresh(t)
		a := &liveblog.AuditEntry{Action: liveblog.AuditSignInFailure, Address: "198.51.100.1", Detail: "ann@example.com"}
		if err := s.RecordAudit(ctx, a); err != nil {
			t.Fatal(err)
		}
		got := find(t, s, liveblog.AuditFilter{})
		if len(got) != 1 || got[0].Detail != "ann@example.com" || got[0].EventID != 0 || !got[0].At.Equal(clock.now()) {
			t.Errorf("entries = %+v, want the failed sign-in", got)
		}
	})

	t.Run("Filter", func(t *testing.T) {
		s, _, e := fresh(t)
		other := &liveblog.Event{Slug: "other", Title: "Other", State: liveblog.CoverageLive}
		if err := s.CreateEvent(ctx, other); err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			ev := e
			if i%2 == 1 {
				ev = other
			}
			a := &liveblog.AuditEntry{UserID: int64(1 + i%3), UserName: "U", Action: "post.create", Address: "192.0.2.1"}
			if err := s.CreatePost(liveblog.WithAudit(ctx, a), &liveblog.Post{EventID: ev.ID, Headline: "P"}); err != nil {
				t.Fatal(err)
			}
		}
		if got := find(t, s, liveblog.AuditFilter{EventID: other.ID}); len(got) != 3 {
			t.Errorf("event filter: got %d entries, want 3", len(got))
		}
		if got := find(t, s, liveblog.AuditFilter{UserID: 1}); len(got) != 2 {
			t.Errorf("user filter: got %d entries, want 2", len(got))
		}
		page1 := find(t, s, liveblog.AuditFilter{Limit: 4})
		if len(page1) != 4 || page1[0].ID < page1[3].ID {
			t.Fatalf("first page = %d entries, want 4 newest first", len(page1))
		}
		page2 := find(t, s, liveblog.AuditFilter{Limit: 4, Before: page1[3].ID})
		if len(page2) != 2 || page2[0].ID >= page1[3].ID {
			t.Errorf("second page = %d entries, want the 2 older ones", len(page2))
		}
	})
}
