package livetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
)

// IdempotentStore is a store that records idempotent writes.
type IdempotentStore interface {
	liveblog.Store
	liveblog.IdempotencyStore
}

// OpenIdempotentStore returns a fresh, empty store that reads the time from
// now, and closes it with t.Cleanup.
type OpenIdempotentStore func(t *testing.T, now func() time.Time) IdempotentStore

// TestIdempotencyStore runs the contract of liveblog.IdempotencyStore: a
// write of a post or an event made with an Idempotency-Key is recorded, with
// what it produced, in its own transaction, and a second write under the key
// changes nothing.
func TestIdempotencyStore(t *testing.T, open OpenIdempotentStore) {
	ctx := context.Background()
	// fresh opens a store with an event, a clock and a token to scope keys.
	fresh := func(t *testing.T) (IdempotentStore, *fakeClock, *liveblog.Event) {
		clock := newClock()
		s := open(t, clock.now)
		e := &liveblog.Event{Slug: "idempotent", Title: "Idempotent", State: liveblog.CoverageLive}
		if err := s.CreateEvent(ctx, liveblog.Write{}, e); err != nil {
			t.Fatal(err)
		}
		return s, clock, e
	}
	const tokenID = 7
	// keyed is a write under a key of the token.
	keyed := func(tokenID int64, key string) liveblog.Write {
		return liveblog.Write{Idempotent: request(tokenID, key, "POST", "/p", "h")}
	}

	t.Run("Record", func(t *testing.T) {
		s, clock, e := fresh(t)
		req := request(tokenID, "key-1", "POST", "/api/v1/events/idempotent/posts", "h1")
		p := &liveblog.Post{EventID: e.ID, Headline: "Once only"}
		if err := s.CreatePost(ctx, liveblog.Write{Idempotent: req}, p); err != nil {
			t.Fatal(err)
		}
		rec, err := s.FindIdempotencyRecord(ctx, tokenID, "key-1")
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Matches(req) || rec.TokenID != tokenID || rec.Key != "key-1" || !rec.CreatedAt.Equal(clock.now()) {
			t.Errorf("record = %+v, want the request's identity, made at %v", rec, clock.now())
		}
		if rec.EventID != e.ID || rec.PostID != p.ID || rec.Version != 1 {
			t.Errorf("record names event %d, post %d, version %d; want the post made, %d of event %d, at version 1",
				rec.EventID, rec.PostID, rec.Version, p.ID, e.ID)
		}
	})

	t.Run("EveryMutation", func(t *testing.T) {
		s, _, e := fresh(t)
		n := 0
		// do runs one mutation under a key of its own and checks that the
		// record names what the mutation returned.
		do := func(name string, mutate func(w liveblog.Write) (*liveblog.Event, *liveblog.Post, error)) {
			t.Helper()
			n++
			key := fmt.Sprintf("every-%d", n)
			ev, p, err := mutate(liveblog.Write{Idempotent: request(tokenID, key, "POST", "/"+name, "h")})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rec, err := s.FindIdempotencyRecord(ctx, tokenID, key)
			if err != nil {
				t.Fatalf("%s: no record: %v", name, err)
			}
			want := liveblog.IdempotencyRecord{}
			if p != nil {
				want.EventID, want.PostID, want.Version = p.EventID, p.ID, p.Version
			} else {
				want.EventID, want.Version = ev.ID, ev.Version
			}
			if rec.EventID != want.EventID || rec.PostID != want.PostID || rec.Version != want.Version {
				t.Fatalf("%s: recorded event %d, post %d, version %d; want what it returned: %d, %d, %d",
					name, rec.EventID, rec.PostID, rec.Version, want.EventID, want.PostID, want.Version)
			}
		}
		ev := e
		do("CreateEvent", func(w liveblog.Write) (*liveblog.Event, *liveblog.Post, error) {
			e := &liveblog.Event{Slug: "another", Title: "Another"}
			return e, nil, s.CreateEvent(ctx, w, e)
		})
		do("UpdateEvent", func(w liveblog.Write) (_ *liveblog.Event, _ *liveblog.Post, err error) {
			ev, err = s.ChangeEvent(ctx, w, ev.ID, &liveblog.EventUpdate{Title: ptr("Retitled"), Version: ev.Version})
			return ev, nil, err
		})
		do("SetCoverage", func(w liveblog.Write) (_ *liveblog.Event, _ *liveblog.Post, err error) {
			ev, err = s.ChangeEvent(ctx, w, ev.ID, liveblog.SetCoverage{State: liveblog.CoveragePaused, Version: ev.Version})
			return ev, nil, err
		})
		do("ReplaceSummary", func(w liveblog.Write) (_ *liveblog.Event, _ *liveblog.Post, err error) {
			ev, err = s.ChangeEvent(ctx, w, ev.ID, liveblog.ReplaceSummary{Points: []string{"One point"}, Version: ev.Version})
			return ev, nil, err
		})
		p := &liveblog.Post{EventID: e.ID, Headline: "Every mutation"}
		do("CreatePost", func(w liveblog.Write) (*liveblog.Event, *liveblog.Post, error) {
			return nil, p, s.CreatePost(ctx, w, p)
		})
		for _, tt := range []struct {
			name string
			tr   func() liveblog.PostTransition
		}{
			{"UpdatePost", func() liveblog.PostTransition {
				return &liveblog.PostUpdate{Headline: ptr("Edited"), Version: p.Version}
			}},
			{"PinPost", func() liveblog.PostTransition { return liveblog.PinPost{Pinned: true, Version: p.Version} }},
			{"PinPostAgain", func() liveblog.PostTransition { return liveblog.PinPost{Pinned: true, Version: p.Version} }},
			{"DeletePost", func() liveblog.PostTransition { return liveblog.DeletePost{Version: p.Version} }},
			{"RestorePost", func() liveblog.PostTransition { return liveblog.RestorePost{Version: p.Version} }},
		} {
			do(tt.name, func(w liveblog.Write) (_ *liveblog.Event, _ *liveblog.Post, err error) {
				p, err = s.ChangePost(ctx, w, p.ID, tt.tr())
				return nil, p, err
			})
		}
	})

	t.Run("RefusedWriteRecordsNothing", func(t *testing.T) {
		s, _, e := fresh(t)
		p := &liveblog.Post{EventID: e.ID, Headline: "Original"}
		if err := s.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			t.Fatal(err)
		}
		_, err := s.ChangePost(ctx, keyed(tokenID, "stale"), p.ID, &liveblog.PostUpdate{Headline: ptr("Stale"), Version: p.Version + 1})
		wantConflict(t, err, p.Version, p.Version+1)
		_, err = s.FindIdempotencyRecord(ctx, tokenID, "stale")
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("OneTransaction", func(t *testing.T) {
		// A write whose record cannot be stored fails: the mutation and
		// its record commit together or not at all.
		s, _, e := fresh(t)
		p := &liveblog.Post{EventID: e.ID, Headline: "Published once"}
		if err := s.CreatePost(ctx, keyed(tokenID, "atomic"), p); err != nil {
			t.Fatal(err)
		}
		head := headOf(t, s, e.ID)
		_, err := s.ChangePost(ctx, keyed(tokenID, "atomic"), p.ID, &liveblog.PostUpdate{Headline: ptr("Never edited"), Version: p.Version})
		wantError(t, err, liveblog.ECONFLICT, "Idempotency-Key")
		if got := headOf(t, s, e.ID); got != head {
			t.Errorf("head = %d, want %d: the edit entered the feed without its record", got, head)
		}
		got, err := s.FindPostByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "post after the refused edit", got, p)

		// Only a write of a post or an event can be answered again: any
		// other refuses a key, and writes nothing.
		_, hash := liveblog.NewTokenSecret()
		err = s.CreateToken(ctx, keyed(tokenID, "token"), &liveblog.Token{Name: "keyed", Hash: hash})
		wantError(t, err, liveblog.EINVALID, "Idempotency-Key")
		tokens, err := s.FindTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(tokens) != 0 {
			t.Errorf("tokens = %d, want none", len(tokens))
		}
	})

	t.Run("WritesWithoutKeyRecordNothing", func(t *testing.T) {
		s, _, e := fresh(t)
		if err := s.CreatePost(ctx, liveblog.Write{}, &liveblog.Post{EventID: e.ID, Headline: "Without a key"}); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindIdempotencyRecord(ctx, tokenID, "after")
		wantError(t, err, liveblog.ENOTFOUND, "")
		if err := s.CreatePost(ctx, keyed(tokenID, "after"), &liveblog.Post{EventID: e.ID, Headline: "With a key"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindIdempotencyRecord(ctx, tokenID, "after"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("SecondWriteRefused", func(t *testing.T) {
		s, _, e := fresh(t)
		if err := s.CreatePost(ctx, keyed(tokenID, "twice"), &liveblog.Post{EventID: e.ID, Headline: "First"}); err != nil {
			t.Fatal(err)
		}
		head := headOf(t, s, e.ID)
		err := s.CreatePost(ctx, keyed(tokenID, "twice"), &liveblog.Post{EventID: e.ID, Headline: "Second"})
		wantError(t, err, liveblog.ECONFLICT, "Idempotency-Key")
		if got := headOf(t, s, e.ID); got != head {
			t.Errorf("head = %d, want %d: the second write was not rolled back", got, head)
		}
		if n := countPosts(t, s, e.ID); n != 1 {
			t.Errorf("posts = %d, want 1", n)
		}
	})

	t.Run("KeysPerToken", func(t *testing.T) {
		s, _, e := fresh(t)
		for _, tok := range []int64{1, 2} {
			if err := s.CreatePost(ctx, keyed(tok, "shared"), &liveblog.Post{EventID: e.ID, Headline: "Per token"}); err != nil {
				t.Fatalf("token %d: %v", tok, err)
			}
		}
		if n := countPosts(t, s, e.ID); n != 2 {
			t.Errorf("posts = %d, want 2", n)
		}
	})

	t.Run("ConcurrentDuplicates", func(t *testing.T) {
		// Whatever the store's locking, exactly one of many simultaneous
		// writes under one key happens.
		s, _, e := fresh(t)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.CreatePost(ctx, keyed(tokenID, "race"), &liveblog.Post{EventID: e.ID, Headline: fmt.Sprintf("Racer %d", i)})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch liveblog.ErrorCode(err) {
			case "":
				won++
			case liveblog.ECONFLICT:
			default:
				t.Errorf("CreatePost: %v, want success or a conflict", err)
			}
		}
		if won != 1 {
			t.Errorf("%d writes succeeded, want 1", won)
		}
		if got := countPosts(t, s, e.ID); got != 1 {
			t.Errorf("posts = %d, want 1", got)
		}
		changes, err := s.FindChanges(ctx, liveblog.ChangeFilter{EventID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes.Changes) != 1 || changes.Head != 1 {
			t.Errorf("feed = %d changes up to %d, want exactly 1", len(changes.Changes), changes.Head)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s, clock, e := fresh(t)
		if err := s.CreatePost(ctx, keyed(tokenID, "old"), &liveblog.Post{EventID: e.ID, Headline: "Yesterday"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreatePost(ctx, keyed(tokenID, "young"), &liveblog.Post{EventID: e.ID, Headline: "Later"}); err != nil {
			t.Fatal(err)
		}
		clock.advance(liveblog.IdempotencyTTL)
		if _, err := s.FindIdempotencyRecord(ctx, tokenID, "old"); err != nil {
			t.Errorf("a record exactly IdempotencyTTL old: %v, want it kept", err)
		}
		clock.advance(time.Microsecond)
		_, err := s.FindIdempotencyRecord(ctx, tokenID, "old")
		wantError(t, err, liveblog.ENOTFOUND, "")
		// The key is free again.
		if err := s.CreatePost(ctx, keyed(tokenID, "old"), &liveblog.Post{EventID: e.ID, Headline: "Today"}); err != nil {
			t.Fatalf("reusing an expired key: %v", err)
		}
		rec, err := s.FindIdempotencyRecord(ctx, tokenID, "old")
		if err != nil || !rec.CreatedAt.Equal(clock.now()) {
			t.Fatalf("record = %+v, %v; want the new one", rec, err)
		}
		clock.advance(liveblog.IdempotencyTTL + time.Microsecond)
		n, err := s.DeleteExpiredIdempotencyRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("deleted %d, want 2 (young and the renewed old)", n)
		}
		if n, err := s.DeleteExpiredIdempotencyRecords(ctx); err != nil || n != 0 {
			t.Errorf("deleted again %d, %v; want 0", n, err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s, _, _ := fresh(t)
		_, err := s.FindIdempotencyRecord(ctx, tokenID, "never")
		wantError(t, err, liveblog.ENOTFOUND, "")
	})
}

// request is the identity of a request made with an Idempotency-Key.
func request(tokenID int64, key, method, path, hash string) *liveblog.IdempotentRequest {
	return &liveblog.IdempotentRequest{TokenID: tokenID, Key: key, Method: method, Path: path, Hash: hash}
}

func headOf(t *testing.T, s liveblog.Store, eventID int64) int64 {
	t.Helper()
	e, err := s.FindEventByID(context.Background(), eventID)
	if err != nil {
		t.Fatal(err)
	}
	return e.Head
}

// countPosts counts an event's posts in every status.
func countPosts(t *testing.T, s liveblog.Store, eventID int64) int {
	t.Helper()
	posts, err := s.FindPosts(context.Background(), liveblog.PostFilter{EventID: eventID, Limit: liveblog.MaxPageSize,
		Statuses: []liveblog.PostStatus{liveblog.StatusPublished, liveblog.StatusDraft, liveblog.StatusScheduled, liveblog.StatusDeleted}})
	if err != nil {
		t.Fatal(err)
	}
	return len(posts)
}

// OldIdempotencyResponses are responses that idempotency records kept, by
// key, before the records named what a write produced (migration 8): a
// post's and an event's. A store's migration test stores them as its old
// table held them, under token 7, and checks the upgrade with
// WantConvertedRecords.
var OldIdempotencyResponses = map[string]string{
	"post":  `{"id":12,"event_id":3,"headline":"Said once","version":2}` + "\n",
	"event": `{"id":3,"slug":"budget","title":"Budget","version":4,"head":9}` + "\n",
}

// WantConvertedRecords checks that s, upgraded from a database that held
// OldIdempotencyResponses made at createdAt by POST /p with hash h, names in
// each record the post or event of its response, so that a retry sent
// across the upgrade still finds its write.
func WantConvertedRecords(t *testing.T, s liveblog.IdempotencyStore, createdAt time.Time) {
	t.Helper()
	for _, want := range []liveblog.IdempotencyRecord{
		{Key: "post", EventID: 3, PostID: 12, Version: 2},
		{Key: "event", EventID: 3, PostID: 0, Version: 4},
	} {
		rec, err := s.FindIdempotencyRecord(context.Background(), 7, want.Key)
		if err != nil {
			t.Fatalf("%s: %v", want.Key, err)
		}
		if rec.EventID != want.EventID || rec.PostID != want.PostID || rec.Version != want.Version ||
			!rec.Matches(request(7, want.Key, "POST", "/p", "h")) || !rec.CreatedAt.Equal(createdAt) {
			t.Errorf("%s: record = %+v, want event %d, post %d, version %d", want.Key, rec, want.EventID, want.PostID, want.Version)
		}
	}
}
