package http_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
)

// FuzzQuery sends arbitrary query strings (page cursors before and after,
// key, order, limit, status, the changes position, oEmbed's url and sizes)
// to every GET route that reads one, through the real handler and a real
// store. A query may be refused, never answered with a 5xx or an error in
// the log: a malformed parameter is the client's mistake, and a cursor far
// in the future or the past is just an empty page.
//
//	go test ./http -run '^$' -fuzz FuzzQuery -fuzztime 5m
func FuzzQuery(f *testing.F) {
	for _, q := range []string{
		"before=1739439900000000-7", "after=1739439900000000-7", "before=1-1&after=1-1", "before=9223372036854775807-9223372036854775807",
		"after=0-1", "key=1&order=oldest", "key=2", "order=sideways", "limit=0", "limit=101", "limit=-1", "offset=-5",
		"status=draft,published,deleted,scheduled", "status=,", "after=-1", "after=9223372036854775807", "after=%zz",
		"url=http%3A%2F%2Fexample.com%2Flive%2Ffuzz&maxwidth=1&maxheight=99999999999", "format=xml", "state=live",
		"before=+5-+7", "before=" + fmt.Sprint(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()) + "-1",
	} {
		f.Add(q)
	}
	env := newFuzzEnv(f)
	paths := []string{
		"/live/fuzz", "/live/fuzz/posts/3", "/live/fuzz/changes", "/live/fuzz/embed",
		"/live/fuzz/feed.atom", "/live/fuzz/feed.rss", "/live/fuzz/feed.json", "/oembed", "/",
		"/api/v1/events", "/api/v1/events/fuzz/posts",
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, p := range paths {
			r := httptest.NewRequest("GET", "http://example.com"+p, nil)
			r.URL.RawQuery = query
			r.Header.Set("Authorization", "Bearer "+env.token)
			w := httptest.NewRecorder()
			env.handler.ServeHTTP(w, r)
			// oEmbed answers 501 to a format it does not offer, as its
			// specification asks.
			if w.Code >= 500 && !(p == "/oembed" && w.Code == http.StatusNotImplemented) {
				t.Fatalf("GET %s?%s: status %d: %s", p, query, w.Code, w.Body)
			}
		}
		if n := env.errors.count(); n > 0 {
			t.Fatalf("query %q: the server logged %d errors", query, n)
		}
	})
}

type fuzzEnv struct {
	handler http.Handler
	token   string
	errors  *errorLog
}

// newFuzzEnv is newTestEnv for a fuzz target: one server for every input,
// an event with enough posts for a second page, and a quiet log that still
// counts errors.
func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	ctx := context.Background()
	store := openStore(tb, filepath.Join(tb.TempDir(), "liveblog.db"))
	errs := &errorLog{}
	srv, _ := newServer(tb, lbhttp.Config{}, store, slog.New(errs.wrap(slog.DiscardHandler)))
	ev := &liveblog.Event{Slug: "fuzz", Title: "Fuzz", State: liveblog.CoverageLive}
	if err := store.CreateEvent(ctx, liveblog.Write{}, ev); err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= liveblog.DefaultPageSize+5; i++ {
		p := &liveblog.Post{EventID: ev.ID, Headline: fmt.Sprintf("Post %d", i), KeyEvent: i%3 == 0,
			PublishedAt: baseTime.Add(time.Duration(i) * time.Minute)}
		if err := store.CreatePost(ctx, liveblog.Write{}, p); err != nil {
			tb.Fatal(err)
		}
	}
	secret, hash := liveblog.NewTokenSecret()
	if err := store.CreateToken(ctx, liveblog.Write{}, &liveblog.Token{Name: "fuzz", Hash: hash}); err != nil {
		tb.Fatal(err)
	}
	return &fuzzEnv{handler: srv.Handler(), token: secret, errors: errs}
}
