package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/sqlite"
)

// readerServer is the server as cmd/liveblog wires it, over a real SQLite
// store holding one live event of posts posts. With a reader, one stream of
// the event is open, as on any page that people are reading: the hub then
// knows the event's head, and pages are served without a store read.
func readerServer(tb testing.TB, posts int, reader bool) (http.Handler, *sqlite.Store, *liveblog.Event) {
	tb.Helper()
	ctx := context.Background()
	store := openStore(tb, filepath.Join(tb.TempDir(), "liveblog.db"))
	srv, hub := newServer(tb, lbhttp.Config{}, store, nil)
	ev := &liveblog.Event{Slug: "bench", Title: "Summit talks", State: liveblog.CoverageLive}
	if err := store.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		tb.Fatal(err)
	}
	for i := range posts {
		p := &liveblog.Post{
			EventID:  ev.ID,
			Headline: fmt.Sprintf("Update %d: ministers return to the table", i),
			Blocks: []liveblog.Block{
				liveblog.Plain("Defence ministers gathered in Brussels this morning as talks on the joint procurement " +
					"plan continued into a second day. Officials said the remaining differences were narrow."),
				liveblog.Plain("Our correspondent outside the building says delegations have been arriving since seven."),
			},
			Contributors: []liveblog.Contributor{{Name: "A correspondent", Role: "Reporting from Brussels"}},
			KeyEvent:     i%3 == 0,
		}
		if err := store.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			tb.Fatal(err)
		}
	}
	ev, err := store.FindEventBySlug(ctx, "bench")
	if err != nil {
		tb.Fatal(err)
	}
	if reader {
		ts := httptest.NewServer(srv.Handler())
		tb.Cleanup(ts.Close)
		resp, err := http.Get(ts.URL + "/live/bench/stream")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { resp.Body.Close() })
		for {
			if f, ok := hub.Feed(ev.ID); ok && f.Head == ev.Head {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	return srv.Handler(), store, ev
}

// serveBench serves req through h b.N times and fails on an unexpected
// status.
func serveBench(b *testing.B, h http.Handler, req *http.Request, status int) {
	b.Helper()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != status {
			b.Fatalf("status %d, want %d", rec.Code, status)
		}
		n = rec.Body.Len()
	}
	b.ReportMetric(float64(n), "body-bytes")
}

// BenchmarkReaderPage is the hot read of a breaking story: the newest page
// of an event of 50 posts, as a browser asks for it (gzip accepted) and as a
// CDN revalidates it (If-None-Match).
func BenchmarkReaderPage(b *testing.B) {
	b.Run("NoReader", func(b *testing.B) { benchmarkReaderPage(b, false) })
	b.Run("Reader", func(b *testing.B) { benchmarkReaderPage(b, true) })
}

func benchmarkReaderPage(b *testing.B, reader bool) {
	h, _, ev := readerServer(b, 50, reader)
	path := "/live/" + ev.Slug
	get := func(headers ...string) *http.Request {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		return req
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, get("Accept-Encoding", "gzip"))
	etag := rec.Header().Get("ETag")

	b.Run("Identity", func(b *testing.B) { serveBench(b, h, get(), http.StatusOK) })
	b.Run("Gzip", func(b *testing.B) { serveBench(b, h, get("Accept-Encoding", "gzip"), http.StatusOK) })
	b.Run("NotModified", func(b *testing.B) {
		serveBench(b, h, get("Accept-Encoding", "gzip", "If-None-Match", etag), http.StatusNotModified)
	})
}

// BenchmarkChanges is a poller catching up ten changes, and one that is up
// to date revalidating.
func BenchmarkChanges(b *testing.B) {
	h, _, ev := readerServer(b, 50, true)
	benchCached(b, h, fmt.Sprintf("/live/%s/changes?after=%d", ev.Slug, ev.Head-10), "Ten")
}

// BenchmarkEmbed is the embedded view as an article page that carries it
// asks for it, with a reader streaming the event: a new visitor (gzip
// accepted), and a revisit (If-None-Match).
func BenchmarkEmbed(b *testing.B) {
	h, _, ev := readerServer(b, 50, true)
	benchCached(b, h, "/live/"+ev.Slug+"/embed", "Gzip")
}

// benchCached serves path through h to a reader that takes gzip, as the
// sub-benchmark named fresh, and again with the tag that answer had, as
// NotModified.
func benchCached(b *testing.B, h http.Handler, path, fresh string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	etag := rec.Header().Get("ETag")

	b.Run(fresh, func(b *testing.B) { serveBench(b, h, req, http.StatusOK) })
	b.Run("NotModified", func(b *testing.B) {
		req := req.Clone(context.Background())
		req.Header.Set("If-None-Match", etag)
		serveBench(b, h, req, http.StatusNotModified)
	})
}
