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

// TestAuditStore runs the contract of liveblog.AuditStore: the entry a
// write carries is written in that write's transaction, naming what the
// write acted on, and not at all when the write fails.
func TestAuditStore(t *testing.T, open OpenAuditedStore) {
	ctx := context.Background()
	fresh := func(t *testing.T) (AuditedStore, *fakeClock, *liveblog.Event) {
		clock := newClock()
		s := open(t, clock.now)
		e := &liveblog.Event{Slug: "audited", Title: "Audited", State: liveblog.CoverageLive}
		if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
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
	audited := func(action string) liveblog.Write {
		return liveblog.Write{Audit: liveblog.AuditEntry{UserID: 3, UserName: "Ana Reyes", Action: action, Address: "192.0.2.7"}}
	}

	t.Run("WithMutation", func(t *testing.T) {
		s, clock, e := fresh(t)
		p := &liveblog.Post{EventID: e.ID, Headline: "Ferries cancelled"}
		if err := s.CreatePost(ctx, audited("post.create"), p); err != nil {
			t.Fatal(err)
		}
		got := find(t, s, liveblog.AuditFilter{})
		if len(got) != 1 {
			t.Fatalf("got %d entries, want 1", len(got))
		}
		g := got[0]
		if g.ID == 0 || g.UserID != 3 || g.UserName != "Ana Reyes" || g.Action != "post.create" ||
			g.Address != "192.0.2.7" || g.EventID != e.ID || g.PostID != p.ID || !g.At.Equal(clock.now()) {
			t.Errorf("entry = %+v, want the write's, on post %d of event %d at %v", g, p.ID, e.ID, clock.now())
		}
	})

	t.Run("NamesWhatItActedOn", func(t *testing.T) {
		s, _, e := fresh(t)
		created := &liveblog.Event{Slug: "created", Title: "Created"}
		if err := s.CreateEvent(ctx, audited("event.create"), created); err != nil {
			t.Fatal(err)
		}
		// An edit that changes nothing readers see appends no change, and
		// still names its event.
		if _, err := s.ChangeEvent(ctx, audited("event.update"), e.ID, &liveblog.EventUpdate{Title: ptr(e.Title), Version: e.Version}); err != nil {
			t.Fatal(err)
		}
		// A write that says what it acted on keeps it.
		w := audited("token.revoke")
		w.Audit.Detail = "user 3, token 1"
		_, hash := liveblog.NewTokenSecret()
		tok := &liveblog.Token{Name: "t", Hash: hash}
		if err := s.CreateToken(ctx, liveblog.Write{}, tok); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, w, tok.ID); err != nil {
			t.Fatal(err)
		}
		got := find(t, s, liveblog.AuditFilter{})
		if len(got) != 3 {
			t.Fatalf("got %d entries, want 3", len(got))
		}
		for i, want := range []struct {
			action  string
			eventID int64
			detail  string
		}{{"token.revoke", 0, "user 3, token 1"}, {"event.update", e.ID, ""}, {"event.create", created.ID, ""}} {
			if g := got[i]; g.Action != want.action || g.EventID != want.eventID || g.PostID != 0 || g.Detail != want.detail {
				t.Errorf("entry %d = %+v, want %s on event %d", i, g, want.action, want.eventID)
			}
		}
	})

	t.Run("EachWrite", func(t *testing.T) {
		// Each write given an entry writes it; a caller that makes several
		// writes for one action gives the entry to one of them.
		s, _, e := fresh(t)
		for _, w := range []liveblog.Write{audited("post.create"), {}, audited("post.create")} {
			if err := s.CreatePost(ctx, w, &liveblog.Post{EventID: e.ID, Headline: "Twice"}); err != nil {
				t.Fatal(err)
			}
		}
		if got := find(t, s, liveblog.AuditFilter{}); len(got) != 2 {
			t.Errorf("got %d entries, want 2", len(got))
		}
	})

	t.Run("FailedMutation", func(t *testing.T) {
		s, _, e := fresh(t)
		_, err := s.ChangeEvent(ctx, audited("event.update"), e.ID, &liveblog.EventUpdate{Title: ptr("Stale"), Version: e.Version + 5})
		if liveblog.ErrorCode(err) != liveblog.ECONFLICT {
			t.Fatalf("err = %v, want a conflict", err)
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
		if err := s.CreateEvent(ctx, liveblog.Write{}, other); err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			ev := e
			if i%2 == 1 {
				ev = other
			}
			w := liveblog.Write{Audit: liveblog.AuditEntry{UserID: int64(1 + i%3), UserName: "U", Action: "post.create", Address: "192.0.2.1"}}
			if err := s.CreatePost(ctx, w, &liveblog.Post{EventID: ev.ID, Headline: "P"}); err != nil {
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
