package http_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/liveblog/liveblog"
)

type changesDoc struct {
	Event   string
	Head    int64
	Floor   int64
	Reset   bool
	Changes []liveblog.Change
}

func TestChanges(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	posts := seedPosts(t, store, ev, 3)

	t.Run("All", func(t *testing.T) {
		res := get(t, ts, "/live/budget/changes")
		got := decode[changesDoc](t, res)
		if got.Event != "budget" || got.Head != 3 || got.Floor != 0 || got.Reset || len(got.Changes) != 3 {
			t.Fatalf("got %+v, want head 3 and three changes", got)
		}
		for i, c := range got.Changes {
			if c.Seq != int64(i+1) || c.Kind != liveblog.ChangePostPublished || c.Post == nil || c.Post.ID != posts[i].ID {
				t.Errorf("change %d = %+v, want post %d published at seq %d", i, c, posts[i].ID, i+1)
			}
		}
		if got, want := res.header.Get("Cache-Control"), "public, max-age=1, stale-while-revalidate=5"; got != want {
			t.Errorf("Cache-Control = %q, want %q", got, want)
		}
	})
	t.Run("After", func(t *testing.T) {
		got := decode[changesDoc](t, get(t, ts, "/live/budget/changes?after=2"))
		if len(got.Changes) != 1 || got.Changes[0].Seq != 3 || got.Reset {
			t.Errorf("got %+v, want only seq 3", got)
		}
	})
	t.Run("AtHead", func(t *testing.T) {
		got := decode[changesDoc](t, get(t, ts, "/live/budget/changes?after=3"))
		if len(got.Changes) != 0 || got.Head != 3 || got.Reset {
			t.Errorf("got %+v, want nothing new at head 3", got)
		}
	})
	t.Run("PastHead", func(t *testing.T) {
		res := get(t, ts, "/live/budget/changes?after=10")
		got := decode[changesDoc](t, res)
		if res.status != 200 || len(got.Changes) != 0 || got.Head != 3 || !got.Reset {
			t.Errorf("got %d %+v, want no changes, head 3 and a reset", res.status, got)
		}
		if string(res.body[len(res.body)-2:]) == "l\n" {
			t.Errorf("changes is null, want []: %s", res.body)
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		first := get(t, ts, "/live/budget/changes?after=1")
		etag := first.header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		res := get(t, ts, "/live/budget/changes?after=1", "If-None-Match", etag)
		if res.status != http.StatusNotModified || len(res.body) != 0 || res.header.Get("ETag") != etag {
			t.Errorf("got %d %q ETag %q, want 304, no body, same ETag", res.status, res.body, res.header.Get("ETag"))
		}
		if res := get(t, ts, "/live/budget/changes?after=1", "If-None-Match", `"other", W/`+etag); res.status != http.StatusNotModified {
			t.Errorf("status = %d for a list with a weak match, want 304", res.status)
		}
		if other := get(t, ts, "/live/budget/changes?after=2"); other.header.Get("ETag") == etag {
			t.Errorf("after=2 has the ETag of after=1")
		}
		seedPosts(t, store, ev, 1)
		res = get(t, ts, "/live/budget/changes?after=1", "If-None-Match", etag)
		if got := decode[changesDoc](t, res); res.status != 200 || len(got.Changes) != 3 || res.header.Get("ETag") == etag {
			t.Errorf("got %d %+v after a new post, want 200 with the new change and a new ETag", res.status, got)
		}
	})
	t.Run("ResetAfterTrim", func(t *testing.T) {
		before := get(t, ts, "/live/budget/changes?after=0")
		if err := store.TrimChanges(context.Background(), ev.ID, 1); err != nil {
			t.Fatal(err)
		}
		res := get(t, ts, "/live/budget/changes?after=0", "If-None-Match", before.header.Get("ETag"))
		got := decode[changesDoc](t, res)
		if res.status != 200 || !got.Reset || got.Floor != 3 || got.Head != 4 || len(got.Changes) != 0 {
			t.Errorf("got %d %+v, want a reset with floor 3 and head 4", res.status, got)
		}
		got = decode[changesDoc](t, get(t, ts, "/live/budget/changes?after=3"))
		if got.Reset || len(got.Changes) != 1 || got.Changes[0].Seq != 4 {
			t.Errorf("got %+v from the floor, want seq 4", got)
		}
	})
	for _, tt := range []struct{ name, query string }{
		{"AfterNotNumber", "after=abc"},
		{"AfterNegative", "after=-1"},
		{"AfterOverflow", "after=99999999999999999999"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, get(t, ts, "/live/budget/changes?"+tt.query), http.StatusBadRequest, "after")
		})
	}
	t.Run("UnknownSlug", func(t *testing.T) {
		wantProblem(t, get(t, ts, "/live/missing/changes"), http.StatusNotFound, "")
	})
}
