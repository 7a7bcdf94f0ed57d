package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/web"
	"github.com/liveblog/liveblog/web/webtest"
)

// These tests run reader.js in a real headless Chromium against a page and a
// scripted stream, and read back the DOM it leaves. Chromium's virtual time
// runs the page's timers at once but waits for open connections, so each
// scripted stream response ends after its frames, with a long retry: so that
// EventSource does not come back on its own during the test.

func chromium(t *testing.T) string {
	t.Helper()
	return webtest.Chromium(t)
}

// browserRun is the outcome of loading a page in the browser.
type browserRun struct {
	doc       *html.Node
	afters    []string // the ?after= of each stream request, in order
	pageLoads int
	console   string // the page's console messages
}

// runReader serves page and answers the n-th stream request with streams[n]
// (raw SSE text), loads the page in Chromium and returns the final DOM.
func runReader(t *testing.T, v render.PageView, streams ...string) browserRun {
	t.Helper()
	bin := chromium(t)
	e, err := render.New()
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		run browserRun
	)
	mux := http.NewServeMux()
	mux.Handle("GET /static/", web.StaticHandler())
	mux.HandleFunc("GET /live/{slug}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		run.pageLoads++
		mu.Unlock()
		// The policy the http package sends: a page that needs anything
		// inline is broken by it, and the test sees that.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := e.Page(w, v); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("GET /live/{slug}/stream", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(run.afters)
		run.afters = append(run.afters, r.URL.Query().Get("after"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, "retry: 600000\n\n")
		if n < len(streams) {
			fmt.Fprint(w, streams[n])
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+t.TempDir(),
		"--enable-logging=stderr", "--v=0",
		"--window-size=400,700",
		"--virtual-time-budget=4000",
		"--dump-dom", srv.URL+render.EventPath(v.Page.Event))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	doc, err := html.Parse(&stdout)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	run.doc = doc
	// Chromium logs much about its own start; the page's console is what
	// matters.
	for line := range strings.Lines(stderr.String()) {
		if strings.Contains(line, ":CONSOLE") {
			run.console += line
		}
	}
	if strings.Contains(run.console, "Content Security Policy") {
		t.Errorf("the page broke its Content-Security-Policy:\n%s", run.console)
	}
	if strings.Contains(run.console, "Uncaught") {
		t.Errorf("script error:\n%s", run.console)
	}
	return run
}

// frames renders SSE change frames for the changes, as the stream writes them.
func frames(t *testing.T, ev *liveblog.Event, changes ...*liveblog.Change) string {
	t.Helper()
	e, err := render.New()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range changes {
		data, err := e.FrameData(ev, c)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "id: %d\nevent: change\ndata: %s\n\n", c.Seq, data)
	}
	return b.String()
}

func readerEvent() *liveblog.Event {
	return &liveblog.Event{
		ID: 1, Slug: "budget-day", Title: "Budget day", Description: "The chancellor speaks.",
		State: liveblog.CoverageLive, TimeZone: "Europe/London", Head: 10,
		Summary: liveblog.Summary{Points: []string{"Old point"}},
	}
}

func readerPost(id int64, minute int) *liveblog.Post {
	return &liveblog.Post{
		ID: id, EventID: 1, Headline: fmt.Sprintf("Post %d", id), Status: liveblog.StatusPublished, Version: 1,
		PublishedAt: time.Date(2025, 2, 13, 9, minute, 0, 0, time.UTC),
		Blocks:      []liveblog.Block{liveblog.Plain("Body.")},
	}
}

func elementByID(doc *html.Node, id string) *html.Node {
	var found *html.Node
	var f func(*html.Node)
	f = func(n *html.Node) {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id && found == nil {
				found = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(doc)
	return found
}

func childIDs(n *html.Node) string {
	var ids []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		for _, a := range c.Attr {
			if a.Key == "id" {
				ids = append(ids, a.Val)
			}
		}
	}
	return strings.Join(ids, ",")
}

func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return strings.TrimSpace(b.String())
}

func attrOf(n *html.Node, key string) (string, bool) {
	if n != nil {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
	}
	return "", false
}

func TestReader(t *testing.T) {
	t.Run("AppliesChanges", func(t *testing.T) {
		t.Parallel()
		ev := readerEvent()
		pg := &liveblog.Page{Event: ev, Posts: []*liveblog.Post{readerPost(2, 20), readerPost(1, 10)}}
		newPost := readerPost(3, 30)
		edited := readerPost(1, 10)
		edited.Headline, edited.Version = "Post 1 corrected", 2
		later := *ev
		later.Title, later.Description = "Budget day: reaction", ""
		later.Summary = liveblog.Summary{Points: []string{"New point"}}
		later.State = liveblog.CoveragePaused
		stream := frames(t, ev,
			&liveblog.Change{Seq: 11, Kind: liveblog.ChangePostPublished, PostID: 3, Post: newPost},
			&liveblog.Change{Seq: 11, Kind: liveblog.ChangePostPublished, PostID: 3, Post: newPost}, // duplicate
			&liveblog.Change{Seq: 12, Kind: liveblog.ChangePostUpdated, PostID: 1, Post: edited},
			&liveblog.Change{Seq: 13, Kind: liveblog.ChangePostDeleted, PostID: 2},
			&liveblog.Change{Seq: 14, Kind: liveblog.ChangeSummary, Event: &later},
			&liveblog.Change{Seq: 15, Kind: liveblog.ChangeEvent, Event: &later},
			&liveblog.Change{Seq: 16, Kind: liveblog.ChangeCoverage, Event: &later},
		)
		run := runReader(t, render.PageView{Page: pg}, stream)

		if got, want := childIDs(elementByID(run.doc, "posts")), "post-3,post-1"; got != want {
			t.Errorf("#posts = %s, want %s", got, want)
		}
		if got := textOf(elementByID(run.doc, "post-1")); !strings.Contains(got, "Post 1 corrected") {
			t.Errorf("post-1 was not replaced: %q", got)
		}
		if got := textOf(elementByID(run.doc, "summary")); !strings.Contains(got, "New point") || strings.Contains(got, "Old point") {
			t.Errorf("summary = %q, want the new point only", got)
		}
		if got, want := textOf(elementByID(run.doc, "event-title")), "Budget day: reaction"; got != want {
			t.Errorf("title = %q, want %q", got, want)
		}
		if _, hidden := attrOf(elementByID(run.doc, "event-description"), "hidden"); !hidden {
			t.Errorf("emptied description is not hidden")
		}
		main := elementByID(run.doc, "live")
		if got, _ := attrOf(main, "data-state"); got != "paused" {
			t.Errorf("data-state = %q, want paused", got)
		}
		if got := textOf(elementByID(run.doc, "coverage-note")); !strings.HasPrefix(got, "Coverage is paused") {
			t.Errorf("coverage note = %q", got)
		}
		if got, want := strings.Join(run.afters, ","), "10"; got != want {
			t.Errorf("stream requests after = %s, want %s", got, want)
		}
	})

	t.Run("GapReconnects", func(t *testing.T) {
		t.Parallel()
		ev := readerEvent()
		pg := &liveblog.Page{Event: ev, Posts: []*liveblog.Post{readerPost(1, 10)}}
		p2, p3, p4 := readerPost(2, 20), readerPost(3, 30), readerPost(4, 40)
		first := frames(t, ev,
			&liveblog.Change{Seq: 11, Kind: liveblog.ChangePostPublished, PostID: 2, Post: p2},
			&liveblog.Change{Seq: 13, Kind: liveblog.ChangePostPublished, PostID: 4, Post: p4}, // 12 is missing
		)
		second := frames(t, ev,
			&liveblog.Change{Seq: 12, Kind: liveblog.ChangePostPublished, PostID: 3, Post: p3},
			&liveblog.Change{Seq: 13, Kind: liveblog.ChangePostPublished, PostID: 4, Post: p4},
		)
		run := runReader(t, render.PageView{Page: pg}, first, second)
		if got, want := strings.Join(run.afters, ","), "10,11"; got != want {
			t.Errorf("stream requests after = %s, want %s", got, want)
		}
		if got, want := childIDs(elementByID(run.doc, "posts")), "post-4,post-3,post-2,post-1"; got != want {
			t.Errorf("#posts = %s, want %s", got, want)
		}
	})

	t.Run("Pinning", func(t *testing.T) {
		t.Parallel()
		ev := readerEvent()
		old := readerPost(1, 10)
		old.Pinned = true
		pg := &liveblog.Page{Event: ev, Pinned: old, Posts: []*liveblog.Post{readerPost(3, 30), readerPost(2, 20)}}
		pin := readerPost(2, 20)
		pin.Pinned = true
		stream := frames(t, ev,
			&liveblog.Change{Seq: 11, Kind: liveblog.ChangePostPinned, PostID: 2, Post: pin},
			&liveblog.Change{Seq: 12, Kind: liveblog.ChangePostUnpinned, PostID: 1, Post: readerPost(1, 10)},
		)
		run := runReader(t, render.PageView{Page: pg}, stream)
		if got, want := childIDs(elementByID(run.doc, "pinned")), "post-2"; got != want {
			t.Errorf("#pinned = %s, want %s", got, want)
		}
		if got, want := childIDs(elementByID(run.doc, "posts")), "post-3,post-1"; got != want {
			t.Errorf("#posts = %s, want %s", got, want)
		}
		if got := textOf(elementByID(run.doc, "post-1")); strings.Contains(got, "Pinned") {
			t.Errorf("unpinned post still says Pinned: %q", got)
		}
	})

	t.Run("QueuesWhenScrolled", func(t *testing.T) {
		t.Parallel()
		ev := readerEvent()
		pg := &liveblog.Page{Event: ev}
		for i := 30; i >= 1; i-- {
			pg.Posts = append(pg.Posts, readerPost(int64(i), i))
		}
		newer := readerPost(31, 40)
		stream := frames(t, ev,
			&liveblog.Change{Seq: 11, Kind: liveblog.ChangePostPublished, PostID: 31, Post: newer},
			&liveblog.Change{Seq: 12, Kind: liveblog.ChangePostPublished, PostID: 32, Post: readerPost(32, 41)},
			&liveblog.Change{Seq: 13, Kind: liveblog.ChangePostDeleted, PostID: 32},
		)
		// A permalink to the oldest post scrolls the reader far down.
		run := runReader(t, render.PageView{Page: pg, FocusPostID: 1}, stream)
		if elementByID(run.doc, "post-31") != nil {
			t.Errorf("new post was inserted while the reader was scrolled down")
		}
		button := elementByID(run.doc, "new-posts")
		if _, hidden := attrOf(button, "hidden"); hidden {
			t.Errorf("#new-posts is hidden")
		}
		if got, want := textOf(button), "1 new post"; got != want {
			t.Errorf("#new-posts = %q, want %q", got, want)
		}
		if got := textOf(elementByID(run.doc, "announcer")); !strings.HasPrefix(got, "New post") {
			t.Errorf("#announcer = %q, want a new post announcement", got)
		}
	})

	t.Run("KeyOnly", func(t *testing.T) {
		t.Parallel()
		ev := readerEvent()
		key := readerPost(1, 10)
		key.KeyEvent = true
		pg := &liveblog.Page{Event: ev, Posts: []*liveblog.Post{key}}
		plain, newKey := readerPost(2, 20), readerPost(3, 30)
		newKey.KeyEvent = true
		unkeyed := readerPost(1, 10)
		stream := frames(t, ev,
			&liveblog.Change{Seq: 11, Kind: liveblog.ChangePostPublished, PostID: 2, Post: plain},
			&liveblog.Change{Seq: 12, Kind: liveblog.ChangePostPublished, PostID: 3, Post: newKey},
			&liveblog.Change{Seq: 13, Kind: liveblog.ChangePostUpdated, PostID: 1, Post: unkeyed},
		)
		run := runReader(t, render.PageView{Page: pg, KeyOnly: true}, stream)
		if got, want := childIDs(elementByID(run.doc, "posts")), "post-3"; got != want {
			t.Errorf("#posts = %s, want %s", got, want)
		}
	})

	t.Run("OlderPageIgnoresNewPosts", func(t *testing.T) {
		t.Parallel()
		ev := readerEvent()
		pg := &liveblog.Page{Event: ev, Posts: []*liveblog.Post{readerPost(1, 10)},
			Newer: &liveblog.Cursor{PublishedAt: time.Date(2025, 2, 13, 9, 20, 0, 0, time.UTC), ID: 2}}
		stream := frames(t, ev,
			&liveblog.Change{Seq: 11, Kind: liveblog.ChangePostPublished, PostID: 3, Post: readerPost(3, 30)},
		)
		run := runReader(t, render.PageView{Page: pg}, stream)
		if got, want := childIDs(elementByID(run.doc, "posts")), "post-1"; got != want {
			t.Errorf("#posts = %s, want %s", got, want)
		}
	})

	t.Run("EndedStops", func(t *testing.T) {
		t.Parallel()
		ev := readerEvent()
		pg := &liveblog.Page{Event: ev, Posts: []*liveblog.Post{readerPost(1, 10)}}
		ended := *ev
		ended.State = liveblog.CoverageEnded
		stream := frames(t, ev,
			&liveblog.Change{Seq: 11, Kind: liveblog.ChangeCoverage, Event: &ended},
			&liveblog.Change{Seq: 12, Kind: liveblog.ChangePostPublished, PostID: 2, Post: readerPost(2, 20)},
		)
		run := runReader(t, render.PageView{Page: pg}, stream)
		if got, _ := attrOf(elementByID(run.doc, "live"), "data-state"); got != "ended" {
			t.Errorf("data-state = %q, want ended", got)
		}
		if got := textOf(elementByID(run.doc, "coverage-note")); got != "Coverage has ended." {
			t.Errorf("coverage note = %q, want Coverage has ended.", got)
		}
		if elementByID(run.doc, "post-2") != nil {
			t.Errorf("a frame after the end was applied")
		}
	})

	t.Run("ResetReloads", func(t *testing.T) {
		t.Parallel()
		ev := readerEvent()
		pg := &liveblog.Page{Event: ev, Posts: []*liveblog.Post{readerPost(1, 10)}}
		run := runReader(t, render.PageView{Page: pg}, "event: reset\ndata: {\"head\":99}\n\n")
		if run.pageLoads != 2 {
			t.Errorf("page loaded %d times, want 2", run.pageLoads)
		}
	})
}
