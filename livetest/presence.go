package livetest

import (
	"context"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// PresentStore is a store that keeps accounts and presence.
type PresentStore interface {
	liveblog.Store
	liveblog.UserStore
	liveblog.PresenceStore
}

// OpenPresentStore returns a fresh, empty store that reads the time from
// now, and closes it with t.Cleanup.
type OpenPresentStore func(t *testing.T, now func() time.Time) PresentStore

// TestPresenceStore runs the contract of liveblog.PresenceStore: one row per
// user and event, the post each has open with its headline, and nobody
// once their heartbeats stop.
func TestPresenceStore(t *testing.T, open OpenPresentStore) {
	ctx := context.Background()
	clock := newClock()
	s := open(t, clock.now)
	e := &liveblog.Event{Slug: "present", Title: "Present", State: liveblog.CoverageLive}
	if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
		t.Fatal(err)
	}
	other := &liveblog.Event{Slug: "elsewhere", Title: "Elsewhere", State: liveblog.CoverageLive}
	if err := s.CreateEvent(ctx, liveblog.Write{}, other); err != nil {
		t.Fatal(err)
	}
	p := &liveblog.Post{EventID: e.ID, Headline: "Ferries cancelled"}
	if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
		t.Fatal(err)
	}
	ana := newUser(t, s, "ana@example.com", liveblog.RoleEditor)
	ben := newUser(t, s, "ben@example.com", liveblog.RoleReporter)
	set := func(t *testing.T, u *liveblog.User, ev *liveblog.Event, postID int64) {
		t.Helper()
		if err := s.SetPresence(ctx, &liveblog.Presence{UserID: u.ID, EventID: ev.ID, PostID: postID}); err != nil {
			t.Fatal(err)
		}
	}
	find := func(t *testing.T) []*liveblog.Presence {
		t.Helper()
		got, err := s.FindPresence(ctx, e.ID, clock.now().Add(-liveblog.PresenceTimeout))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	t.Run("Editing", func(t *testing.T) {
		set(t, ana, e, p.ID)
		set(t, ben, e, 0)
		set(t, ben, other, 0)
		got := find(t)
		if len(got) != 2 {
			t.Fatalf("got %d present, want 2", len(got))
		}
		if got[0].UserID != ana.ID || got[0].UserName != ana.Name || got[0].PostID != p.ID || got[0].Headline != "Ferries cancelled" ||
			!got[0].SeenAt.Equal(clock.now()) {
			t.Errorf("first = %+v, want %s editing %q", got[0], ana.Name, p.Headline)
		}
		if got[1].UserID != ben.ID || got[1].PostID != 0 || got[1].Headline != "" {
			t.Errorf("second = %+v, want %s with nothing open", got[1], ben.Name)
		}
	})
	t.Run("OneRowPerUser", func(t *testing.T) {
		set(t, ana, e, 0)
		got := find(t)
		if len(got) != 2 || got[0].PostID != 0 {
			t.Errorf("after a second heartbeat: %+v, want two desks, Ana's with nothing open", got)
		}
	})
	t.Run("TimedOut", func(t *testing.T) {
		clock.advance(liveblog.PresenceTimeout / 2)
		set(t, ana, e, p.ID)
		clock.advance(liveblog.PresenceTimeout/2 + time.Second)
		got := find(t)
		if len(got) != 1 || got[0].UserID != ana.ID {
			t.Errorf("got %+v, want only Ana, whose heartbeat is recent", got)
		}
	})
}
