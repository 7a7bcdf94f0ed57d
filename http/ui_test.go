package http_test

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/liveblog/liveblog"
)

var (
	articleID = regexp.MustCompile(`<article class="[^"]*" id="post-(\d+)"`)
	pagerLink = regexp.MustCompile(`<a class="(pager-older|pager-newer)" rel="[a-z]+" href="([^"]+)"`)
)

// postIDs returns the ids of the articles on a page, in page order.
func postIDs(body []byte) []string {
	var ids []string
	for _, m := range articleID.FindAllSubmatch(body, -1) {
		ids = append(ids, string(m[1]))
	}
	return ids
}

// pager returns the page's older and newer links.
func pager(body []byte) (older, newer string) {
	for _, m := range pagerLink.FindAllSubmatch(body, -1) {
		if string(m[1]) == "pager-older" {
			older = html.UnescapeString(string(m[2]))
		} else {
			newer = html.UnescapeString(string(m[2]))
		}
	}
	return older, newer
}

func wantPage(t *testing.T, res *response, status int) {
	t.Helper()
	if res.status != status {
		t.Errorf("status = %d, want %d", res.status, status)
	}
	if got := res.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/html; charset=utf-8", got)
	}
}

func TestIndex(t *testing.T) {
	ts, store, _ := newTestServer(t)
	t.Run("Empty", func(t *testing.T) {
		res := get(t, ts, "/")
		wantPage(t, res, 200)
	})
	seedEvent(t, store, "budget")
	live := seedEvent(t, store, "storm")
	if _, err := store.ChangeEvent(context.Background(), liveblog.Write{}, live.ID, liveblog.SetCoverage{State: liveblog.CoverageLive, Version: live.Version}); err != nil {
		t.Fatal(err)
	}
	t.Run("LiveFirst", func(t *testing.T) {
		res := get(t, ts, "/")
		wantPage(t, res, 200)
		body := string(res.body)
		storm, budget := strings.Index(body, `href="/live/storm"`), strings.Index(body, `href="/live/budget"`)
		if storm < 0 || budget < 0 || storm > budget {
			t.Errorf("storm at %d, budget at %d: want both, live storm first", storm, budget)
		}
	})
	t.Run("Gzip", func(t *testing.T) {
		res := get(t, ts, "/", "Accept-Encoding", "gzip")
		if res.status != http.StatusOK || res.header.Get("Content-Encoding") != "gzip" || res.header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("got %d, Content-Encoding %q, Vary %q: want 200, gzip, Accept-Encoding",
				res.status, res.header.Get("Content-Encoding"), res.header.Get("Vary"))
		}
		if !strings.Contains(string(gunzip(t, res.body)), `href="/live/storm"`) {
			t.Error("gzipped index does not list the live event")
		}
		if again := get(t, ts, "/", "If-None-Match", res.header.Get("ETag")); again.status != http.StatusNotModified {
			t.Errorf("status = %d for the gzipped index's tag, want 304", again.status)
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		etag := get(t, ts, "/").header.Get("ETag")
		if res := get(t, ts, "/", "If-None-Match", etag); res.status != http.StatusNotModified {
			t.Errorf("status = %d, want 304", res.status)
		}
		seedEvent(t, store, "election")
		if res := get(t, ts, "/", "If-None-Match", etag); res.status != http.StatusOK {
			t.Errorf("status = %d after a new event, want 200", res.status)
		}
	})
}

func TestEventPage(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	posts := seedPosts(t, store, ev, 3)
	ctx := context.Background()
	if _, err := store.ChangePost(ctx, liveblog.Write{}, posts[0].ID, liveblog.PinPost{Pinned: true, Version: posts[0].Version}); err != nil {
		t.Fatal(err)
	}

	t.Run("Renders", func(t *testing.T) {
		res := get(t, ts, "/live/budget")
		wantPage(t, res, 200)
		body := string(res.body)
		for _, want := range []string{"Event budget", "Post 1", "Post 2", "Post 3", `data-head="4"`, `data-stream="/live/budget/stream"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page does not contain %q", want)
			}
		}
		if got, want := res.header.Get("Cache-Control"), "public, max-age=1, stale-while-revalidate=10"; got != want {
			t.Errorf("Cache-Control = %q, want %q", got, want)
		}
	})
	t.Run("PinnedFirst", func(t *testing.T) {
		ids := postIDs(get(t, ts, "/live/budget").body)
		want := []string{fmt.Sprint(posts[0].ID), fmt.Sprint(posts[2].ID), fmt.Sprint(posts[1].ID)}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("articles %v, want pinned %s then newest first %v", ids, want[0], want[1:])
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		res := get(t, ts, "/live/budget")
		etag := res.header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		res = get(t, ts, "/live/budget?utm_source=social", "If-None-Match", etag)
		if res.status != http.StatusNotModified || len(res.body) != 0 {
			t.Errorf("got %d with %d bytes, want 304 and no body", res.status, len(res.body))
		}
		if got := get(t, ts, "/live/budget?key=1").header.Get("ETag"); got == etag {
			t.Error("key events view has the ETag of all posts")
		}
		seedPosts(t, store, ev, 1)
		if res := get(t, ts, "/live/budget", "If-None-Match", etag); res.status != http.StatusOK {
			t.Errorf("status = %d after a new post, want 200", res.status)
		}
	})
	t.Run("KeyOnly", func(t *testing.T) {
		seedPostWith(t, store, ev, "Key moment", true)
		body := string(get(t, ts, "/live/budget?key=1").body)
		if !strings.Contains(body, "Key moment") || strings.Contains(body, "Post 2") {
			t.Errorf("key events page: want only key events")
		}
	})
	for _, tt := range []struct{ name, query, param string }{
		{"BadBefore", "before=yesterday", "before"},
		{"BadAfter", "after=12", "after"},
		{"BothCursors", "before=1-1&after=1-1", "after"},
		{"BadKey", "key=maybe", "key"},
		{"BadOrder", "order=sideways", "order"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, ts, "/live/budget?"+tt.query)
			wantPage(t, res, http.StatusBadRequest)
			if !strings.Contains(string(res.body), "&#34;"+tt.param+"&#34;") {
				t.Errorf("error page does not name the %q parameter: %s", tt.param, res.body)
			}
			if res.header.Get("ETag") != "" || res.header.Get("Cache-Control") != "no-store" {
				t.Errorf("error page has ETag %q and Cache-Control %q, want none and no-store", res.header.Get("ETag"), res.header.Get("Cache-Control"))
			}
		})
	}
	for _, tt := range []struct{ name, path string }{
		{"UnknownSlug", "/live/missing"},
		{"ImpossibleSlug", "/live/NOT_A_SLUG"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantPage(t, get(t, ts, tt.path), http.StatusNotFound)
		})
	}
}

func seedPostWith(t *testing.T, store interface {
	CreatePost(context.Context, liveblog.Write, *liveblog.Post) error
}, ev *liveblog.Event, headline string, key bool) *liveblog.Post {
	t.Helper()
	p := &liveblog.Post{EventID: ev.ID, Headline: headline, KeyEvent: key, Blocks: []liveblog.Block{liveblog.Plain("Text.")}}
	if err := store.CreatePost(context.Background(), liveblog.Write{}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPager walks an event of 45 posts page by page, both ways and in both
// orders, and checks that every post is seen exactly once, in order.
func TestPager(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	posts := seedPosts(t, store, ev, 2*liveblog.DefaultPageSize+5)
	var newestFirst, oldestFirst []string
	for i := len(posts) - 1; i >= 0; i-- {
		newestFirst = append(newestFirst, fmt.Sprint(posts[i].ID))
	}
	for _, p := range posts {
		oldestFirst = append(oldestFirst, fmt.Sprint(p.ID))
	}

	walk := func(t *testing.T, start string, older bool) (ids []string, last string) {
		t.Helper()
		next := start
		for pages := 0; next != ""; pages++ {
			if pages > 10 {
				t.Fatal("pager links do not end")
			}
			res := get(t, ts, next)
			wantPage(t, res, 200)
			ids = append(ids, postIDs(res.body)...)
			last = next
			o, n := pager(res.body)
			if next = n; older {
				next = o
			}
		}
		return ids, last
	}
	t.Run("NewestFirst", func(t *testing.T) {
		ids, last := walk(t, "/live/budget", true)
		if strings.Join(ids, ",") != strings.Join(newestFirst, ",") {
			t.Fatalf("walked %v, want %v", ids, newestFirst)
		}
		// And back: newer links from the last page lead to the first,
		// over every post once.
		back, first := walk(t, last, false)
		seen := map[string]bool{}
		for _, id := range back {
			seen[id] = true
		}
		if len(back) != len(posts) || len(seen) != len(posts) {
			t.Errorf("walked back over %d posts (%d distinct), want %d", len(back), len(seen), len(posts))
		}
		if ids := postIDs(get(t, ts, first).body); len(ids) == 0 || ids[0] != newestFirst[0] {
			t.Errorf("walking back ended on a page led by %v, want the newest post %s", ids, newestFirst[0])
		}
	})
	t.Run("OldestFirst", func(t *testing.T) {
		// Reading oldest first, the next page holds newer posts.
		ids, _ := walk(t, "/live/budget?order=oldest", false)
		if strings.Join(ids, ",") != strings.Join(oldestFirst, ",") {
			t.Errorf("walked %v, want %v", ids, oldestFirst)
		}
	})
}

func TestPermalink(t *testing.T) {
	ts, store, token := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	posts := seedPosts(t, store, ev, 2*liveblog.DefaultPageSize+5)
	other := seedEvent(t, store, "storm")
	foreign := seedPosts(t, store, other, 1)[0]
	draft := &liveblog.Post{EventID: ev.ID, Headline: "Draft", Status: liveblog.StatusDraft}
	if err := store.CreatePost(context.Background(), liveblog.Write{}, draft); err != nil {
		t.Fatal(err)
	}

	t.Run("DeepInHistory", func(t *testing.T) {
		// Post 3 is the third oldest of 45: only two posts come after it
		// newest first, so its page is the last full page, posts 20 to 1.
		p := posts[2]
		res := get(t, ts, fmt.Sprintf("/live/budget/posts/%d", p.ID))
		wantPage(t, res, 200)
		var want []string
		for i := liveblog.DefaultPageSize - 1; i >= 0; i-- {
			want = append(want, fmt.Sprint(posts[i].ID))
		}
		if ids := postIDs(res.body); strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Fatalf("permalink page holds %v, want %v", ids, want)
		}
		if !strings.Contains(string(res.body), fmt.Sprintf(`data-focus="%d"`, p.ID)) {
			t.Errorf("page does not focus post %d", p.ID)
		}
		// Its newer link leads back towards the start of the event.
		if _, newer := pager(res.body); newer == "" {
			t.Error("permalink page has no link to newer posts")
		}
	})
	t.Run("NewestPost", func(t *testing.T) {
		p := posts[len(posts)-1]
		res := get(t, ts, fmt.Sprintf("/live/budget/posts/%d", p.ID))
		if ids := postIDs(res.body); res.status != 200 || len(ids) == 0 || ids[0] != fmt.Sprint(p.ID) {
			t.Errorf("got %d %v, want the first page led by post %d", res.status, ids, p.ID)
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		path := fmt.Sprintf("/live/budget/posts/%d", posts[2].ID)
		etag := get(t, ts, path).header.Get("ETag")
		if res := get(t, ts, path, "If-None-Match", etag); res.status != http.StatusNotModified {
			t.Errorf("status = %d, want 304", res.status)
		}
		if get(t, ts, fmt.Sprintf("/live/budget/posts/%d", posts[3].ID)).header.Get("ETag") == etag {
			t.Error("two permalinks share an ETag")
		}
	})
	for _, tt := range []struct{ name, path string }{
		{"UnknownID", "/live/budget/posts/999999"},
		{"ForeignPost", fmt.Sprintf("/live/budget/posts/%d", foreign.ID)},
		{"Draft", fmt.Sprintf("/live/budget/posts/%d", draft.ID)},
		{"NonNumericID", "/live/budget/posts/latest"},
		{"NegativeID", "/live/budget/posts/-1"},
		{"UnknownSlug", fmt.Sprintf("/live/missing/posts/%d", posts[0].ID)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantPage(t, get(t, ts, tt.path), http.StatusNotFound)
		})
	}
	t.Run("Deleted", func(t *testing.T) {
		p := posts[10]
		res := send(t, ts, "DELETE", fmt.Sprintf("/api/v1/events/budget/posts/%d", p.ID), token, "", "If-Match", fmt.Sprintf(`"%d"`, p.Version))
		if res.status != 200 {
			t.Fatalf("delete: status %d: %s", res.status, res.body)
		}
		wantPage(t, get(t, ts, fmt.Sprintf("/live/budget/posts/%d", p.ID)), http.StatusNotFound)
	})
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// readFrames reads n SSE messages from r, skipping heartbeat comments.
func readFrames(t *testing.T, r io.Reader, n int) []string {
	t.Helper()
	br := bufio.NewReader(r)
	var frames []string
	var cur strings.Builder
	for len(frames) < n {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading stream after %d frames: %v", len(frames), err)
		}
		if line == "\n" {
			if cur.Len() > 0 {
				frames = append(frames, cur.String())
				cur.Reset()
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		cur.WriteString(line)
	}
	return frames
}

func TestStream(t *testing.T) {
	ts, store, _ := newTestServer(t)
	ev := seedEvent(t, store, "budget")
	seedPosts(t, store, ev, 2)

	t.Run("ReplayThenLive", func(t *testing.T) {
		req, _ := http.NewRequest("GET", ts.URL+"/live/budget/stream?after=1", nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		res, err := ts.Client().Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("got %d %q, want 200 text/event-stream", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Error("stream has no security headers")
		}
		frames := readFrames(t, res.Body, 1)
		if !strings.HasPrefix(frames[0], "id: 2\nevent: change\n") {
			t.Errorf("first frame %q, want change 2", frames[0])
		}
		seedPosts(t, store, ev, 1)
		frames = readFrames(t, res.Body, 1)
		if !strings.HasPrefix(frames[0], "id: 3\n") || !strings.Contains(frames[0], `"kind":"post.published"`) {
			t.Errorf("live frame %q, want change 3", frames[0])
		}
	})
	t.Run("Head", func(t *testing.T) {
		res := send(t, ts, "HEAD", "/live/budget/stream", "", "")
		if res.status != 200 || res.header.Get("Content-Type") != "text/event-stream" {
			t.Errorf("got %d %q, want 200 text/event-stream", res.status, res.header.Get("Content-Type"))
		}
	})
	t.Run("UnknownSlug", func(t *testing.T) {
		wantProblem(t, get(t, ts, "/live/missing/stream"), http.StatusNotFound, "")
	})
	t.Run("BadPosition", func(t *testing.T) {
		wantProblem(t, get(t, ts, "/live/budget/stream?after=x"), http.StatusBadRequest, "after")
	})
}
