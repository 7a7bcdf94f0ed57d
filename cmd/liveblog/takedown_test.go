package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/liveblog/liveblog"
)

// TestTakedown deletes a post that readers have open and measures how long
// the deletion takes to reach every open stream, and checks that every other
// surface (the reader pages in every view and both encodings, the
// permalink, the embed, the feeds, the polling endpoint) stops showing the
// text as soon as the DELETE has been answered, that their validators
// change so that no cache revalidates a copy, and that the stored feed
// keeps no copy of the text.
//
// The quick version has 50 readers; the long one 500:
//
//	LIVEBLOG_TAKEDOWN_LONG=1 go test ./cmd/liveblog -run TestTakedown -v
func TestTakedown(t *testing.T) {
	readers := 50
	if os.Getenv("LIVEBLOG_TAKEDOWN_LONG") == "1" {
		readers = 500
	}
	t.Run("OneNode", func(t *testing.T) {
		dir := t.TempDir()
		in := startApp(t, &App{Config: Config{Addr: "127.0.0.1:0", DataDir: dir}})
		takedown(t, readers, createToken(t, dir), in.app.store, in.url)
	})
	t.Run("TwoNodes", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts PostgreSQL, NATS and two nodes; run without -short")
		}
		dsn := freshDatabase(t)
		ns := startNATS(t, server.RANDOM_PORT)
		subject := "liveblogtest.takedown" + randomHex(4)
		var urls []string
		var nodes []*node
		for i := range 2 {
			n := startNode(t, fmt.Sprintf("node%d", i+1), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(),
				Database: dsn, NATS: ns.ClientURL(), NATSSubject: subject})
			nodes = append(nodes, n)
			urls = append(urls, n.url)
		}
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), []string{"token", "create", "--name", "takedown", "--database", dsn}, nil, &stdout, &stderr); err != nil {
			t.Fatalf("token create: %v\n%s", err, stderr.String())
		}
		takedown(t, readers, strings.TrimSpace(stdout.String()), nodes[0].app.store, urls...)
	})
}

// takedown runs the test against the nodes at urls, all serving one
// instance; the post is published and deleted through the first.
func takedown(t *testing.T, readers int, token string, store Database, urls ...string) {
	api := &apiClient{base: urls[0], token: token}
	ev := api.createEvent(t, "takedown")
	for i := range 3 {
		api.createPost(t, ev.Slug, fmt.Sprintf("Before the takedown %d", i))
	}
	var e liveblog.Event
	api.send(t, "GET", "/api/v1/events/"+ev.Slug, 0, nil, http.StatusOK, &e)
	before := e.Head

	// Readers on every node, following the event from before the post.
	type result struct {
		reader int
		at     time.Time
		err    error
	}
	published := make(chan int, readers)
	deleted := make(chan result, readers)
	secret := "Takedown-" + randomHex(8)
	var postID int64 // set before the post can be published
	streams := make([]*sseStream, readers)
	for i := range streams {
		streams[i] = openStream(t, urls[i%len(urls)], ev.Slug, "?after="+strconv.FormatInt(before, 10), "")
	}
	ready := make(chan struct{})
	for i, s := range streams {
		go func() {
			<-ready
			for m := range s.msgs {
				if m.Comment || m.Event != "change" {
					continue
				}
				var f frameData
				if err := json.Unmarshal([]byte(m.Data), &f); err != nil {
					deleted <- result{i, time.Time{}, err}
					return
				}
				if f.PostID != postID {
					continue
				}
				switch f.Kind {
				case liveblog.ChangePostPublished:
					published <- i
				case liveblog.ChangePostDeleted:
					deleted <- result{i, time.Now(), nil}
					return
				}
			}
			deleted <- result{i, time.Time{}, fmt.Errorf("stream ended (%v)", s.err())}
		}()
	}

	var p liveblog.Post
	api.send(t, "POST", "/api/v1/events/"+ev.Slug+"/posts", 0, map[string]any{
		"headline": "Claim to be withdrawn " + secret, "key_event": true,
		"blocks": []map[string]any{{"type": "paragraph", "text": "The text that must go: " + secret}},
	}, http.StatusCreated, &p)
	postID = p.ID
	close(ready)
	for range readers {
		select {
		case <-published:
		case r := <-deleted:
			t.Fatalf("reader %d: %v", r.reader, r.err)
		case <-time.After(e2eTimeout):
			t.Fatal("not every reader got the post")
		}
	}

	// Every surface shows the post now; keep what each says and its tag.
	surfaces := []string{
		"/live/takedown", "/live/takedown?key=1", "/live/takedown?order=oldest",
		"/live/takedown/posts/" + strconv.FormatInt(p.ID, 10), "/live/takedown/embed",
		"/live/takedown/feed.atom", "/live/takedown/feed.rss", "/live/takedown/feed.json", "/live/takedown/feed.atom?key=1",
		"/live/takedown/changes?after=0", "/live/takedown/changes?after=" + strconv.FormatInt(before, 10),
	}
	type view struct {
		node          int
		url, encoding string
	}
	var views []view
	for n, u := range urls {
		for _, s := range surfaces {
			for _, enc := range []string{"gzip", "identity"} {
				views = append(views, view{n, u + s, enc})
			}
		}
	}
	tags := map[view]string{}
	for _, v := range views {
		status, etag, body := fetchView(t, v.url, v.encoding, "")
		if status != http.StatusOK || !strings.Contains(body, secret) {
			t.Fatalf("GET %s (%s) = %d, without the post before the takedown", v.url, v.encoding, status)
		}
		tags[v] = etag
	}
	// check looks at a view after the takedown and reports whether it
	// still shows the post, or would let a cache revalidate a copy.
	check := func(v view) (stale bool) {
		status, etag, body := fetchView(t, v.url, v.encoding, "")
		if strings.Contains(body, secret) {
			return true
		}
		if etag != "" && etag == tags[v] {
			t.Errorf("GET %s (%s): ETag %s unchanged by the takedown", v.url, v.encoding, etag)
		}
		if old := tags[v]; old != "" && status == http.StatusOK {
			if status, _, _ := fetchView(t, v.url, v.encoding, old); status == http.StatusNotModified {
				t.Errorf("GET %s (%s) with If-None-Match %s = 304: a cache would keep the post", v.url, v.encoding, old)
			}
		}
		return false
	}

	// The takedown.
	sent := time.Now()
	api.send(t, "DELETE", "/api/v1/events/"+ev.Slug+"/posts/"+strconv.FormatInt(p.ID, 10), p.Version, nil, http.StatusOK, nil)
	answered := time.Now()

	// At once: the node that took the DELETE shows the text nowhere. The
	// others learn of it from the broker; they are looked at first, while
	// the announcement may still be on its way, and what they still show is
	// counted.
	var late []view
	for _, v := range slices.Backward(views) {
		if check(v) {
			if v.node == 0 {
				t.Errorf("GET %s (%s) still shows the post after the DELETE was answered", v.url, v.encoding)
			}
			late = append(late, v)
		}
	}

	// Every open stream gets the deletion.
	var lags []time.Duration
	for range readers {
		select {
		case r := <-deleted:
			if r.err != nil {
				t.Fatalf("reader %d: %v", r.reader, r.err)
			}
			lags = append(lags, r.at.Sub(sent))
		case <-time.After(e2eTimeout):
			t.Fatalf("only %d of %d readers got the deletion within %v", len(lags), readers, e2eTimeout)
		}
	}
	// By the time a node's streams have delivered the deletion, its pages,
	// feeds and polling answers no longer show the post either.
	for _, v := range late {
		if check(v) {
			t.Errorf("GET %s (%s) still shows the post after every stream delivered its deletion", v.url, v.encoding)
		}
	}
	slices.Sort(lags)
	slowest := lags[len(lags)-1]

	// The stored feed keeps no copy, and a reader resuming from before the
	// post (from the hub's ring of recent frames, on every node) gets it
	// without its text.
	b, err := store.FindChanges(t.Context(), liveblog.ChangeFilter{EventID: ev.ID})
	if err != nil {
		t.Fatal(err)
	}
	if j, _ := json.Marshal(b.Changes); strings.Contains(string(j), secret) {
		t.Errorf("the stored feed still holds the text: %s", j)
	}
	for _, u := range urls {
		s := openStream(t, u, ev.Slug, "", strconv.FormatInt(before, 10))
		for seq := before + 1; seq <= b.Head; seq++ {
			m, ok := s.next(t)
			for ok && m.Comment {
				m, ok = s.next(t)
			}
			if !ok {
				t.Fatalf("%s: resumed stream ended at %d", u, seq)
			}
			if strings.Contains(m.Data, secret) {
				t.Errorf("%s: resumed stream frame %s carries the text: %s", u, m.ID, m.Data)
			}
		}
	}

	var lateViews []string
	for _, v := range late {
		lateViews = append(lateViews, fmt.Sprintf("node%d %s (%s)", v.node+1, strings.TrimPrefix(v.url, urls[v.node]), v.encoding))
	}
	t.Logf("takedown: nodes=%d R=%d; DELETE answered in %v; post.deleted reached every reader within %v of the DELETE being sent (%v after its answer; median %v); views still showing the post right after the answer: %d of %d %v",
		len(urls), readers, answered.Sub(sent).Round(time.Microsecond), slowest.Round(time.Microsecond),
		max(0, slowest-answered.Sub(sent)).Round(time.Microsecond), lags[len(lags)/2].Round(time.Microsecond), len(late), len(views), lateViews)
}

// fetchView gets url with an Accept-Encoding of encoding (and
// If-None-Match when given) and returns the status, the ETag and the body,
// decompressed.
func fetchView(t *testing.T, url, encoding, ifNoneMatch string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Set by hand, the header turns off the client's own decompression.
	req.Header.Set("Accept-Encoding", encoding)
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header.Get("ETag"), string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
