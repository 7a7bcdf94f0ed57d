package http_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/feed"
)

// clock is a store clock a test moves by hand, so that the times changes
// are stamped with, and so Last-Modified, are known.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var alternateLink = regexp.MustCompile(`<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">`)

func TestFeed(t *testing.T) {
	ts, store, _ := newTestServer(t)
	clk := &clock{now: baseTime.Add(3 * time.Hour)}
	store.Now = clk.Now
	ev := seedEvent(t, store, "budget")
	posts := seedPosts(t, store, ev, feed.MaxPosts+5)
	ctx := context.Background()
	if _, err := store.ChangePost(ctx, liveblog.Write{}, posts[0].ID, liveblog.PinPost{Pinned: true, Version: posts[0].Version}); err != nil {
		t.Fatal(err)
	}

	for _, format := range feed.Formats {
		path := "/live/budget/feed." + string(format)
		t.Run(string(format), func(t *testing.T) {
			res := get(t, ts, path)
			if res.status != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", res.status, res.body)
			}
			if got, want := res.header.Get("Content-Type"), format.ContentType(); got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			f, err := gofeed.NewParser().ParseString(string(res.body))
			if err != nil {
				t.Fatalf("gofeed: %v", err)
			}
			if f.Title != "Event budget" {
				t.Errorf("title = %q", f.Title)
			}
			if len(f.Items) != feed.MaxPosts {
				t.Fatalf("got %d items, want the latest %d", len(f.Items), feed.MaxPosts)
			}
			newest := posts[len(posts)-1]
			if got, want := f.Items[0].Link, fmt.Sprintf("%s/live/budget/posts/%d", ts.URL, newest.ID); got != want {
				t.Errorf("first item link = %q, want the absolute permalink %q", got, want)
			}
			if got, want := f.Items[0].Title, newest.Headline; got != want {
				t.Errorf("first item = %q, want the newest post %q", got, want)
			}
			for _, item := range f.Items {
				if item.Title == posts[0].Headline {
					t.Errorf("the pinned post, older than the latest %d, is in the feed", feed.MaxPosts)
				}
			}
		})
		t.Run(string(format)+"/KeyOnly", func(t *testing.T) {
			res := get(t, ts, path+"?key=1")
			f, err := gofeed.NewParser().ParseString(string(res.body))
			if err != nil {
				t.Fatalf("gofeed: %v", err)
			}
			var want []string
			for i := len(posts) - 1; i >= 0; i-- {
				if posts[i].KeyEvent {
					want = append(want, posts[i].Headline)
				}
			}
			var got []string
			for _, item := range f.Items {
				got = append(got, item.Title)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("items %v, want the key events %v", got, want)
			}
		})
	}

	t.Run("EmbedAsLinkWithCapturedText", func(t *testing.T) {
		ev := seedEvent(t, store, "feed-embeds")
		embedPost(t, store, ev, "The agency's post", "https://x.com/agency/status/1887503281937625469", "We will respect\nthe result.", baseTime)
		for _, format := range feed.Formats {
			f, err := gofeed.NewParser().ParseString(string(get(t, ts, "/live/feed-embeds/feed."+string(format)).body))
			if err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			content := f.Items[0].Content + f.Items[0].Description
			for _, want := range []string{"<blockquote><p>We will respect</p><p>the result.</p><p>– A source</p></blockquote>",
				`<p><a href="https://x.com/agency/status/1887503281937625469">The agency&#39;s post</a></p>`} {
				if !strings.Contains(content, want) {
					t.Errorf("%s content %q lacks %q", format, content, want)
				}
			}
			if strings.Contains(content, "/media/") || strings.Contains(content, "iframe") {
				t.Errorf("%s content %q carries the thumbnail or a frame", format, content)
			}
		}
	})

	t.Run("LinkedFromPage", func(t *testing.T) {
		body := get(t, ts, "/live/budget").body
		found := map[string]bool{}
		for _, m := range alternateLink.FindAllSubmatch(body, -1) {
			typ, href := html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2]))
			res := get(t, ts, href)
			if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), typ) {
				t.Errorf("%s: status %d, Content-Type %q; want 200 and %s", href, res.status, res.header.Get("Content-Type"), typ)
			}
			found[typ] = true
		}
		for _, f := range feed.Formats {
			if !found[f.MediaType()] {
				t.Errorf("page head has no %s link", f.MediaType())
			}
		}
	})

	t.Run("Errors", func(t *testing.T) {
		wantProblem(t, get(t, ts, "/live/nothing/feed.atom"), http.StatusNotFound, "")
		wantProblem(t, get(t, ts, "/live/budget/feed.atom?key=maybe"), http.StatusBadRequest, "key")
	})
}

func TestFeed_Conditional(t *testing.T) {
	ts, store, token := newTestServer(t)
	clk := &clock{now: baseTime.Add(3 * time.Hour)}
	store.Now = clk.Now
	ev := seedEvent(t, store, "budget")
	posts := seedPosts(t, store, ev, 3)
	clk.Advance(time.Minute)
	const path = "/live/budget/feed.atom"

	first := get(t, ts, path)
	etag, modified := first.header.Get("ETag"), first.header.Get("Last-Modified")
	if etag == "" || modified == "" {
		t.Fatalf("ETag %q, Last-Modified %q: want both", etag, modified)
	}
	if got, want := modified, clk.Now().Add(-time.Minute).Format(http.TimeFormat); got != want {
		t.Errorf("Last-Modified = %q, want the time of the last change %q", got, want)
	}
	// No origin is configured, so the feed's links come from the request
	// and no shared cache may keep it (TestHostHeader has the public case).
	if got, want := first.header.Get("Cache-Control"), "private, max-age=60, stale-while-revalidate=60"; got != want {
		t.Errorf("Cache-Control = %q, want %q", got, want)
	}

	t.Run("ETag", func(t *testing.T) {
		res := get(t, ts, path, "If-None-Match", etag)
		if res.status != http.StatusNotModified || len(res.body) != 0 {
			t.Errorf("status = %d with %d bytes, want 304 and none", res.status, len(res.body))
		}
		if res.header.Get("ETag") != etag {
			t.Errorf("304 ETag = %q, want %q", res.header.Get("ETag"), etag)
		}
	})
	t.Run("IfModifiedSince", func(t *testing.T) {
		if res := get(t, ts, path, "If-Modified-Since", modified); res.status != http.StatusNotModified {
			t.Errorf("status = %d, want 304", res.status)
		}
	})
	t.Run("ETagWinsOverDate", func(t *testing.T) {
		if res := get(t, ts, path, "If-None-Match", `"other"`, "If-Modified-Since", modified); res.status != http.StatusOK {
			t.Errorf("status = %d, want 200: a stale ETag is not rescued by a date", res.status)
		}
	})
	t.Run("OtherFormat", func(t *testing.T) {
		if res := get(t, ts, "/live/budget/feed.rss", "If-None-Match", etag); res.status != http.StatusOK {
			t.Errorf("RSS with the Atom ETag: status = %d, want 200", res.status)
		}
	})

	// Deleting the newest post changes no remaining post's time; the feed
	// has still changed, and both validators must say so.
	clk.Advance(time.Minute)
	newest := posts[len(posts)-1]
	del := send(t, ts, http.MethodDelete, fmt.Sprintf("/api/v1/events/budget/posts/%d", newest.ID), token, "", "If-Match", fmt.Sprintf(`"%d"`, newest.Version))
	if del.status >= 300 {
		t.Fatalf("delete: status %d: %s", del.status, del.body)
	}
	clk.Advance(time.Minute)
	t.Run("AfterDelete", func(t *testing.T) {
		if res := get(t, ts, path, "If-None-Match", etag); res.status != http.StatusOK {
			t.Errorf("by ETag: status = %d, want 200", res.status)
		}
		res := get(t, ts, path, "If-Modified-Since", modified)
		if res.status != http.StatusOK {
			t.Errorf("by date: status = %d, want 200", res.status)
		}
		if strings.Contains(string(res.body), newest.Headline+"<") {
			t.Errorf("deleted post %q is still in the feed", newest.Headline)
		}
		if got := res.header.Get("Last-Modified"); got == modified || got == "" {
			t.Errorf("Last-Modified = %q after a delete, want later than %q", got, modified)
		}
	})
}

// TestFeed_ChangeThisSecond checks that a feed changed in the current second
// carries no Last-Modified: HTTP dates have whole seconds, so a second change
// within it would otherwise look unchanged to a reader polling by date.
func TestFeed_ChangeThisSecond(t *testing.T) {
	ts, store, _ := newTestServer(t)
	store.Now = func() time.Time { return time.Now().Add(time.Hour) } // always "this second" or later
	ev := seedEvent(t, store, "budget")
	seedPosts(t, store, ev, 1)
	res := get(t, ts, "/live/budget/feed.atom")
	if res.status != http.StatusOK || res.header.Get("ETag") == "" {
		t.Fatalf("status %d, ETag %q", res.status, res.header.Get("ETag"))
	}
	if got := res.header.Get("Last-Modified"); got != "" {
		t.Errorf("Last-Modified = %q, want none for a feed changed this second", got)
	}
}
