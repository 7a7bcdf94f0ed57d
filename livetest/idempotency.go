package livetest

import (
	"context"
	"encoding/json"
	"errors"
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
// write made under an Idempotency-Key is recorded, with its response, in its
// own transaction, and a second write under the key changes nothing.
func TestIdempotencyStore(t *testing.T, open OpenIdempotentStore) {
	ctx := context.Background()
	// fresh opens a store with an event, a clock and a token to scope keys.
	fresh := func(t *testing.T) (IdempotentStore, *fakeClock, *liveblog.Event) {
		clock := newClock()
		s := open(t, clock.now)
		e := &liveblog.Event{Slug: "idempotent", Title: "Idempotent", State: liveblog.CoverageLive}
		if err := s.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		return s, clock, e
	}
	const tokenID = 7

	t.Run("Record", func(t *testing.T) {
		s, clock, e := fresh(t)
		req := request(tokenID, "key-1", "POST", "/api/v1/events/idempotent/posts", "h1")
		p := &liveblog.Post{EventID: e.ID, Headline: "Once only"}
		if err := s.CreatePost(liveblog.WithIdempotency(ctx, req), p); err != nil {
			t.Fatal(err)
		}
		rec, err := s.FindIdempotencyRecord(ctx, tokenID, "key-1")
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Matches(req) || rec.TokenID != tokenID || rec.Key != "key-1" || !rec.CreatedAt.Equal(clock.now()) {
			t.Errorf("record = %+v, want the request's identity, made at %v", rec, clock.now())
		}
		if got, want := rec.Response.Status, 201; got != want {
			t.Errorf("status = %d, want %d", got, want)
		}
		if got, want := rec.Response.Header["ETag"], `"1"`; got != want {
			t.Errorf("ETag = %q, want %q", got, want)
		}
		var got liveblog.Post
		if err := json.Unmarshal(rec.Response.Body, &got); err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "recorded post", &got, p)
	})

	t.Run("EveryMutation", func(t *testing.T) {
		s, _, e := fresh(t)
		n := 0
		// do runs one mutation under a key of its own and checks that the
		// record holds what the mutation returned.
		do := func(name string, mutate func(ctx context.Context) (any, error)) {
			t.Helper()
			n++
			key := fmt.Sprintf("every-%d", n)
			got, err := mutate(liveblog.WithIdempotency(ctx, request(tokenID, key, "POST", "/"+name, "h")))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rec, err := s.FindIdempotencyRecord(ctx, tokenID, key)
			if err != nil {
				t.Fatalf("%s: no record: %v", name, err)
			}
			want, _ := json.Marshal(got)
			if string(rec.Response.Body) != string(want) {
				t.Fatalf("%s: recorded %s, want what it returned: %s", name, rec.Response.Body, want)
			}
		}
		ev := e
		do("CreateEvent", func(ctx context.Context) (any, error) {
			e := &liveblog.Event{Slug: "another", Title: "Another"}
			return e, s.CreateEvent(ctx, e)
		})
		do("UpdateEvent", func(ctx context.Context) (v any, err error) {
			ev, err = s.UpdateEvent(ctx, ev.ID, liveblog.EventUpdate{Title: ptr("Retitled"), Version: ev.Version})
			return ev, err
		})
		do("SetCoverage", func(ctx context.Context) (v any, err error) {
			ev, err = s.SetCoverage(ctx, ev.ID, liveblog.CoveragePaused, ev.Version)
			return ev, err
		})
		do("ReplaceSummary", func(ctx context.Context) (v any, err error) {
			ev, err = s.ReplaceSummary(ctx, ev.ID, []string{"One point"}, ev.Version)
			return ev, err
		})
		p := &liveblog.Post{EventID: e.ID, Headline: "Every mutation"}
		do("CreatePost", func(ctx context.Context) (any, error) { return p, s.CreatePost(ctx, p) })
		do("UpdatePost", func(ctx context.Context) (v any, err error) {
			p, err = s.UpdatePost(ctx, p.ID, liveblog.PostUpdate{Headline: ptr("Edited"), Version: p.Version})
			return p, err
		})
		do("PinPost", func(ctx context.Context) (v any, err error) {
			p, err = s.PinPost(ctx, p.ID, true, p.Version)
			return p, err
		})
		do("PinPostAgain", func(ctx context.Context) (v any, err error) {
			p, err = s.PinPost(ctx, p.ID, true, p.Version)
			return p, err
		})
		do("DeletePost", func(ctx context.Context) (v any, err error) {
			p, err = s.DeletePost(ctx, p.ID, p.Version)
			return p, err
		})
		do("RestorePost", func(ctx context.Context) (v any, err error) {
			p, err = s.RestorePost(ctx, p.ID, p.Version)
			return p, err
		})
	})

	t.Run("RefusedWriteRecordsNothing", func(t *testing.T) {
		s, _, e := fresh(t)
		p := &liveblog.Post{EventID: e.ID, Headline: "Original"}
		if err := s.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
		ictx := liveblog.WithIdempotency(ctx, request(tokenID, "stale", "PATCH", "/p", "h"))
		_, err := s.UpdatePost(ictx, p.ID, liveblog.PostUpdate{Headline: ptr("Stale"), Version: p.Version + 1})
		wantConflict(t, err, p.Version, p.Version+1)
		_, err = s.FindIdempotencyRecord(ctx, tokenID, "stale")
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("OneTransaction", func(t *testing.T) {
		// A response that cannot be made fails the write: the mutation and
		// its record commit together or not at all.
		s, _, e := fresh(t)
		head := headOf(t, s, e.ID)
		req := request(tokenID, "atomic", "POST", "/p", "h")
		req.Respond = func(any) (*liveblog.IdempotentResponse, error) { return nil, errors.New("cannot encode") }
		p := &liveblog.Post{EventID: e.ID, Headline: "Never published"}
		if err := s.CreatePost(liveblog.WithIdempotency(ctx, req), p); err == nil {
			t.Fatal("CreatePost succeeded although its response could not be recorded")
		}
		if got := headOf(t, s, e.ID); got != head {
			t.Errorf("head = %d, want %d: the post entered the feed without its record", got, head)
		}
		posts, err := s.FindPosts(ctx, liveblog.PostFilter{EventID: e.ID, Statuses: []liveblog.PostStatus{liveblog.StatusPublished, liveblog.StatusDraft}})
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) != 0 {
			t.Errorf("posts = %d, want none", len(posts))
		}
		_, err = s.FindIdempotencyRecord(ctx, tokenID, "atomic")
		wantError(t, err, liveblog.ENOTFOUND, "")
	})

	t.Run("ReadsAndTokenUseRecordNothing", func(t *testing.T) {
		// Authenticating a request writes (the token's last use) under the
		// request's context; only the mutation may take the key.
		s, _, e := fresh(t)
		_, hash := liveblog.NewTokenSecret()
		if err := s.CreateToken(ctx, &liveblog.Token{Name: "t", Hash: hash}); err != nil {
			t.Fatal(err)
		}
		ictx := liveblog.WithIdempotency(ctx, request(tokenID, "after-auth", "POST", "/p", "h"))
		if _, err := s.FindTokenByHash(ictx, hash); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindEventByID(ictx, e.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindIdempotencyRecord(ctx, tokenID, "after-auth")
		wantError(t, err, liveblog.ENOTFOUND, "")
		if err := s.CreatePost(ictx, &liveblog.Post{EventID: e.ID, Headline: "After auth"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindIdempotencyRecord(ctx, tokenID, "after-auth"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("SecondWriteRefused", func(t *testing.T) {
		s, _, e := fresh(t)
		ictx := liveblog.WithIdempotency(ctx, request(tokenID, "twice", "POST", "/p", "h"))
		if err := s.CreatePost(ictx, &liveblog.Post{EventID: e.ID, Headline: "First"}); err != nil {
			t.Fatal(err)
		}
		head := headOf(t, s, e.ID)
		err := s.CreatePost(ictx, &liveblog.Post{EventID: e.ID, Headline: "Second"})
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
			ictx := liveblog.WithIdempotency(ctx, request(tok, "shared", "POST", "/p", "h"))
			if err := s.CreatePost(ictx, &liveblog.Post{EventID: e.ID, Headline: "Per token"}); err != nil {
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
				ictx := liveblog.WithIdempotency(ctx, request(tokenID, "race", "POST", "/p", "h"))
				errs[i] = s.CreatePost(ictx, &liveblog.Post{EventID: e.ID, Headline: fmt.Sprintf("Racer %d", i)})
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
		ictx := liveblog.WithIdempotency(ctx, request(tokenID, "old", "POST", "/p", "h"))
		if err := s.CreatePost(ictx, &liveblog.Post{EventID: e.ID, Headline: "Yesterday"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreatePost(liveblog.WithIdempotency(ctx, request(tokenID, "young", "POST", "/p", "h")),
			&liveblog.Post{EventID: e.ID, Headline: "Later"}); err != nil {
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
		if err := s.CreatePost(ictx, &liveblog.Post{EventID: e.ID, Headline: "Today"}); err != nil {
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

// request is an idempotent request whose response is the result as JSON,
// with its version as the ETag, as the http package makes it.
func request(tokenID int64, key, method, path, hash string) *liveblog.IdempotentRequest {
	return &liveblog.IdempotentRequest{TokenID: tokenID, Key: key, Method: method, Path: path, Hash: hash,
		Respond: func(result any) (*liveblog.IdempotentResponse, error) {
			body, err := json.Marshal(result)
			if err != nil {
				return nil, err
			}
			header := map[string]string{"Content-Type": "application/json"}
			switch v := result.(type) {
			case *liveblog.Post:
				header["ETag"] = fmt.Sprintf("%q", fmt.Sprint(v.Version))
			case *liveblog.Event:
				header["ETag"] = fmt.Sprintf("%q", fmt.Sprint(v.Version))
			}
			return &liveblog.IdempotentResponse{Status: 201, Header: header, Body: body}, nil
		}}
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
