package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/liveblog/liveblog"
	lbhttp "github.com/liveblog/liveblog/http"
	"github.com/liveblog/liveblog/render"
	"github.com/liveblog/liveblog/sqlite"
	"github.com/liveblog/liveblog/stream"
)

// serve runs one request through h; headers are name, value pairs.
func serve(h http.Handler, method, path string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPageCache(t *testing.T) {
	for _, reader := range []bool{false, true} {
		name := "NoReader"
		if reader {
			name = "Reader"
		}
		t.Run(name, func(t *testing.T) { testPageCache(t, reader) })
	}
}

// testPageCache checks the cached pages both ways they are judged current:
// by the hub's head while a reader streams the event, else by the store.
func testPageCache(t *testing.T, reader bool) {
	h, store, ev := readerServer(t, 3, reader)
	path := "/live/" + ev.Slug

	t.Run("Gzip", func(t *testing.T) {
		plain := serve(h, http.MethodGet, path)
		gz := serve(h, http.MethodGet, path, "Accept-Encoding", "gzip, deflate")
		if got := gz.Header().Get("Content-Encoding"); got != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", got)
		}
		if got := gz.Header().Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Vary = %q, want Accept-Encoding", got)
		}
		if !bytes.Equal(gunzip(t, gz.Body.Bytes()), plain.Body.Bytes()) {
			t.Error("gzipped page differs from the page")
		}
		if pe, ge := plain.Header().Get("ETag"), gz.Header().Get("ETag"); pe == ge || !strings.HasSuffix(ge, `-gz"`) {
			t.Errorf("ETags %s and %s, want distinct tags, the gzipped one ending -gz", pe, ge)
		}
		if got := serve(h, http.MethodGet, path, "Accept-Encoding", "gzip;q=0").Header().Get("Content-Encoding"); got != "" {
			t.Errorf("Content-Encoding = %q for gzip;q=0, want none", got)
		}
	})

	t.Run("NotModified", func(t *testing.T) {
		etag := serve(h, http.MethodGet, path, "Accept-Encoding", "gzip").Header().Get("ETag")
		res := serve(h, http.MethodGet, path, "Accept-Encoding", "gzip", "If-None-Match", etag)
		if res.Code != http.StatusNotModified || res.Header().Get("ETag") != etag {
			t.Errorf("got %d ETag %s, want 304 with %s", res.Code, res.Header().Get("ETag"), etag)
		}
		// Either representation's tag says the reader has the page.
		res = serve(h, http.MethodGet, path, "If-None-Match", etag)
		if res.Code != http.StatusNotModified || res.Header().Get("ETag") != strings.TrimSuffix(etag, `-gz"`)+`"` {
			t.Errorf("got %d ETag %s without gzip, want 304 with the identity tag", res.Code, res.Header().Get("ETag"))
		}
	})

	// An editor who has just published and reloads sees the post: the
	// kept page is from before the post's commit.
	t.Run("CurrentAfterPost", func(t *testing.T) {
		for i := range 5 {
			before := serve(h, http.MethodGet, path, "Accept-Encoding", "gzip")
			headline := fmt.Sprintf("Fresh from the summit %d", i)
			if err := store.CreatePost(context.Background(), liveblog.Write{}, &liveblog.Post{EventID: ev.ID, Headline: headline}); err != nil {
				t.Fatal(err)
			}
			res := serve(h, http.MethodGet, path, "Accept-Encoding", "gzip", "If-None-Match", before.Header().Get("ETag"))
			if res.Code != http.StatusOK {
				t.Fatalf("got %d after a post, want 200", res.Code)
			}
			if !bytes.Contains(gunzip(t, res.Body.Bytes()), []byte(headline)) {
				t.Fatalf("page after the post does not show %q", headline)
			}
		}
	})

	t.Run("ChangesCurrentAfterPost", func(t *testing.T) {
		cur, err := store.FindEventBySlug(context.Background(), ev.Slug)
		if err != nil {
			t.Fatal(err)
		}
		changes := fmt.Sprintf("%s/changes?after=%d", path, cur.Head)
		first := serve(h, http.MethodGet, changes, "Accept-Encoding", "gzip")
		if first.Code != http.StatusOK || first.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("got %d %s, want 200 JSON", first.Code, first.Header().Get("Content-Type"))
		}
		if err := store.CreatePost(context.Background(), liveblog.Write{}, &liveblog.Post{EventID: ev.ID, Headline: "Polled"}); err != nil {
			t.Fatal(err)
		}
		res := serve(h, http.MethodGet, changes, "Accept-Encoding", "gzip", "If-None-Match", first.Header().Get("ETag"))
		if res.Code != http.StatusOK || !bytes.Contains(gunzip(t, res.Body.Bytes()), []byte("Polled")) {
			t.Errorf("got %d %s after a post, want 200 with the new post", res.Code, res.Body)
		}
	})

	// The embedded view is kept like the page: compressed, revalidated, and
	// current after a post.
	t.Run("Embed", func(t *testing.T) {
		embed := path + "/embed"
		plain := serve(h, http.MethodGet, embed)
		gz := serve(h, http.MethodGet, embed, "Accept-Encoding", "gzip")
		if gz.Code != http.StatusOK || gz.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("got %d Content-Encoding %q, want 200 gzip", gz.Code, gz.Header().Get("Content-Encoding"))
		}
		if !bytes.Equal(gunzip(t, gz.Body.Bytes()), plain.Body.Bytes()) {
			t.Error("gzipped embed differs from the embed")
		}
		etag := gz.Header().Get("ETag")
		if res := serve(h, http.MethodGet, embed, "Accept-Encoding", "gzip", "If-None-Match", etag); res.Code != http.StatusNotModified {
			t.Errorf("got %d for the embed's own tag, want 304", res.Code)
		}
		if err := store.CreatePost(context.Background(), liveblog.Write{}, &liveblog.Post{EventID: ev.ID, Headline: "Embedded flash"}); err != nil {
			t.Fatal(err)
		}
		res := serve(h, http.MethodGet, embed, "Accept-Encoding", "gzip", "If-None-Match", etag)
		if res.Code != http.StatusOK || !bytes.Contains(gunzip(t, res.Body.Bytes()), []byte("Embedded flash")) {
			t.Errorf("got %d after a post, want 200 with the new post", res.Code)
		}
	})

	t.Run("UnknownEvent", func(t *testing.T) {
		if res := serve(h, http.MethodGet, "/live/no-such-event"); res.Code != http.StatusNotFound || res.Header().Get("ETag") != "" {
			t.Errorf("got %d ETag %q, want 404 without a tag", res.Code, res.Header().Get("ETag"))
		}
	})
}

// pageCountingStore counts the reads of reader pages of a real store, and
// holds the first one until release is closed.
type pageCountingStore struct {
	*sqlite.Store
	reads   atomic.Int64
	release chan struct{}
}

func (s *pageCountingStore) FindPage(ctx context.Context, f liveblog.PageFilter) (*liveblog.Page, error) {
	if s.reads.Add(1) == 1 {
		<-s.release
	}
	return s.Store.FindPage(ctx, f)
}

// A crowd asking for a page that nobody has rendered yet waits for one
// rendering of it. It runs in a synctest bubble, so that the test knows
// when every request is waiting.
func TestPageCacheRendersOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &pageCountingStore{Store: openStore(t, filepath.Join(t.TempDir(), "liveblog.db")), release: make(chan struct{})}
		engine, err := render.New()
		if err != nil {
			t.Fatal(err)
		}
		hub := stream.NewHub(store, engine.FrameData, stream.Config{}, nil)
		store.Announcer = hub
		defer store.Close()
		defer hub.Shutdown(context.Background())
		h := lbhttp.NewServer(lbhttp.Config{}, store, hub, engine, nil).Handler()
		ev := seedEvent(t, store.Store, "crowd")
		seedPosts(t, store.Store, ev, 3)

		const crowd = 20
		codes := make(chan int, crowd)
		for range crowd {
			go func() { codes <- serve(h, http.MethodGet, "/live/crowd").Code }()
		}
		synctest.Wait()
		close(store.release)
		for range crowd {
			if code := <-codes; code != http.StatusOK {
				t.Errorf("status = %d, want 200", code)
			}
		}
		if got := store.reads.Load(); got != 1 {
			t.Errorf("the page was read %d times for %d requests, want once", got, crowd)
		}
	})
}
